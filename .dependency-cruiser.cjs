/**
 * The layer order of src/ (README "Architecture"), checked by `npm run check:deps` in .ci/run.
 * A folder may import only folders listed before it; nothing imports a folder listed after it.
 * Type-only imports count too: a layer that needs a type from above is a layer in the wrong place.
 */
const LAYERS = [
  'utils',
  'types',
  'observability',
  'net',
  'auth',
  'oauth',
  'mcp',
  'storage',
  'config',
  'vault',
  'gateway',
  'policy',
  'hub',
  'git',
  'runtime',
  'durable-objects',
  'middleware',
  'dashboard',
  'routes',
  'index.ts',
  'cli',
];

const path = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})($|/)`;

const layerRules = LAYERS.slice(0, -1).map((name, i) => ({
  name: `layer-${name}`,
  comment: `src/${name} sits below ${LAYERS.slice(i + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: path([name]) },
  to: { path: path(LAYERS.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-folder-outside-layers',
      comment: 'every folder of src/ has a place in LAYERS (add a new folder there first)',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: [path(LAYERS), '^src/worker-configuration\\.d\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles between modules',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/worker-configuration\\.d\\.ts$' },
  },
};
