/**
 * `edgehub kits list|info|import|load|unload` over /admin/api/kits. Loading adds the kit's servers
 * (tagged with the kit); unloading removes only servers that belong to no other kit (Magg).
 * `import` stores Magg kit files (`kit.d/*.json`) as they are, one atomic change per file, named
 * like Magg names them: by the file's stem.
 */
import { STRICT_OPTION, strictQuery } from '../lib/args.mjs';
import { CliError, EXIT } from '../lib/errors.mjs';
import { note, printJson, println, printPairs, printTable, printWarnings } from '../lib/output.mjs';
import { readJson } from './config.mjs';

const enc = encodeURIComponent;

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list kits, whether they are loaded, and their servers',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/kits');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = r.json.kits.map((/** @type {any} */ k) => ({ ...k, loaded: k.loaded ? 'yes' : 'no' }));
    printTable(
      ctx.out,
      [
        ['name', 'NAME'],
        ['loaded', 'LOADED'],
        ['servers', 'SERVERS'],
        ['description', 'DESCRIPTION'],
      ],
      rows,
      'no kits',
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const info = {
  summary: "show a kit's definition",
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('GET', `/kits/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    printPairs(
      ctx.out,
      Object.entries(r.json).map(([k, v]) => [k, k === 'servers' && v ? Object.keys(v).join(', ') : v]),
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const importCmd = {
  summary: 'store Magg kit files (kit.d/*.json) as they are; the kit is named by the file name',
  args: 'FILE...',
  description: `Each file is one change (PUT /admin/api/kits/<name>): a file that fails writes nothing and
the others still go in. Unknown keys are kept and printed as warnings (--strict refuses them).
Importing a kit does not load it: run \`edgehub kits load NAME\` for that.`,
  options: { ...STRICT_OPTION },
  minArgs: 1,
  async run(ctx) {
    const api = ctx.client();
    /** @type {{ file: string, kit: string, ok: boolean, version?: number, error?: string, warnings?: unknown[] }[]} */
    const results = [];
    for (const [i, file] of ctx.args.entries()) {
      const kit = (file.split(/[\\/]/).pop() ?? file).replace(/\.json$/i, '');
      note(ctx.out, `[${i + 1}/${ctx.args.length}] ${file} → kit '${kit}'`);
      try {
        const body = readJson(file);
        const r = await api.admin('PUT', `/kits/${enc(kit)}`, { body, query: { strict: strictQuery(ctx.values) } });
        printWarnings(ctx.out, r.json, file);
        results.push({ file, kit, ok: true, version: r.json.version, ...(r.json.warnings ? { warnings: r.json.warnings } : {}) });
      } catch (e) {
        if (!(e instanceof CliError) || e.exitCode === EXIT.UNREACHABLE || e.exitCode === EXIT.AUTH) throw e;
        ctx.out.stderr.write(`edgehub: ${file}: ${e.message}${e.field ? ` (field: ${e.field})` : ''}\n`);
        results.push({ file, kit, ok: false, error: e.message });
      }
    }
    const failed = results.filter((r) => !r.ok).length;
    if (ctx.out.json) printJson(ctx.out, { imported: results });
    else
      for (const r of results)
        println(ctx.out, r.ok ? `imported kit '${r.kit}' from ${r.file} (config version ${r.version})` : `failed   ${r.file}: ${r.error}`);
    return failed ? EXIT.FAILED : EXIT.OK;
  },
};

/** @type {import('../lib/args.mjs').Command} */
const load = {
  summary: "add the kit's servers (mount-checked)",
  args: 'NAME',
  options: {
    'no-enable': { type: 'boolean', desc: 'add the servers disabled (?enable=false)' },
    'no-check': { type: 'boolean', desc: 'save without mount checks (?check=false), as Magg saves a kit before mounting it' },
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('POST', `/kits/${enc(ctx.args[0])}/load`, {
      query: { enable: ctx.values['no-enable'] ? 'false' : undefined, check: ctx.values['no-check'] ? 'false' : undefined },
    });
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `loaded kit '${ctx.args[0]}' (config version ${r.json.version})`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const unload = {
  summary: 'remove the kit (servers in another kit stay)',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('POST', `/kits/${enc(ctx.args[0])}/unload`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `unloaded kit '${ctx.args[0]}' (config version ${r.json.version})`);
  },
};

export const kits = { summary: 'list, import, load and unload kits (bundles of servers)', commands: { list, info, import: importCmd, load, unload } };
