// The git benchmark's repository: 3,500 small text files in nested directories and 1,000 commits,
// generated deterministically (seeded PRNG, fixed dates: the same object ids on every run) and
// written with one `git fast-import` stream, then repacked as a served repository would be.
// Usage from the bench: `const { bare } = await makeFixture(dir)`; standalone: `node git-fixture.mjs DIR`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../helpers/prng.mjs';

export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  }).trim();

const WORDS = (
  'value result config option handler request response buffer stream index entry commit tree blob ' +
  'parse render update create delete merge branch status offset length count error state cache store ' +
  'client server session token header record field schema module service worker queue event timer'
).split(' ');

/**
 * Generates the fast-import stream: commit 1 adds `initialFiles` files, each later commit edits
 * 1–3 files, and every other one also adds a file, so HEAD has `files` files after `commits` commits.
 */
export function* fastImportStream({ files = 3500, commits = 1000, seed = 42 } = {}) {
  const rnd = mulberry32(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const line = () => {
    const w = Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => pick(WORDS));
    const k = rnd();
    if (k < 0.3) return `  const ${w[0]}_${w[1]} = ${w[2]}(${w.slice(3).join(', ')});`;
    if (k < 0.5) return `  // ${w.join(' ')}`;
    if (k < 0.7) return `  if (${w[0]}.${w[1]}) return ${w[2]};`;
    return `  ${w[0]}.${w[1]}(${w.slice(2).join(', ')});`;
  };
  const fileBody = (name) => {
    const n = 10 + Math.floor(rnd() * 50);
    const out = [`// ${name}`, `export function ${pick(WORDS)}_${pick(WORDS)}(input) {`];
    for (let i = 0; i < n; i++) out.push(line());
    out.push('}', '');
    return out;
  };
  // Nested layout: packages/<p>/src/<area>/<sub>/file.ts plus docs/ and test/ trees.
  const dirs = [];
  for (let p = 0; p < 8; p++) {
    for (let a = 0; a < 6; a++) {
      dirs.push(`packages/pkg-${p}/src/${WORDS[a * 3]}`);
      for (let s = 0; s < 3; s++) dirs.push(`packages/pkg-${p}/src/${WORDS[a * 3]}/${WORDS[s + 20]}`);
    }
    dirs.push(`packages/pkg-${p}/test`, `docs/pkg-${p}`);
  }
  const paths = [];
  const content = new Map();
  const newPath = () => {
    const d = pick(dirs);
    const ext = d.startsWith('docs') ? 'md' : 'ts';
    const p = `${d}/${pick(WORDS)}-${paths.length}.${ext}`;
    paths.push(p);
    return p;
  };
  const enc = new TextEncoder();
  const data = (s) => {
    const b = enc.encode(s);
    return `data ${b.byteLength}\n${s}\n`;
  };
  const initial = files - Math.floor(commits / 2);
  let when = Date.UTC(2024, 0, 1) / 1000;
  for (let c = 1; c <= commits; c++) {
    when += 1800 + Math.floor(rnd() * 7200);
    const ops = [];
    if (c === 1) {
      for (let i = 0; i < initial; i++) {
        const p = newPath();
        content.set(p, fileBody(p));
        ops.push(p);
      }
    } else {
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) {
        const p = pick(paths);
        const lines = content.get(p);
        const at = 2 + Math.floor(rnd() * (lines.length - 4));
        if (rnd() < 0.5) lines[at] = line();
        else lines.splice(at, 0, line());
        ops.push(p);
      }
      if (c % 2 === 0) {
        const p = newPath();
        content.set(p, fileBody(p));
        ops.push(p);
      }
    }
    const who = `${pick(['Ada', 'Linus', 'Grace', 'Ken'])} <dev${c % 4}@example.com> ${when} +0000`;
    let out = `commit refs/heads/main\nmark :${c}\nauthor ${who}\ncommitter ${who}\n${data(c === 1 ? 'initial import' : `${pick(WORDS)}: ${pick(WORDS)} ${pick(WORDS)} (#${c})`)}`;
    if (c > 1) out += `from :${c - 1}\n`;
    for (const p of new Set(ops)) out += `M 100644 inline ${p}\n${data(content.get(p).join('\n'))}`;
    yield `${out}\n`;
  }
  yield 'done\n';
}

/** Writes the repository as `${dir}/src.git` (bare, repacked); returns its path. */
export async function makeFixture(dir, opts = {}) {
  mkdirSync(dir, { recursive: true });
  const bare = join(dir, 'src.git');
  git(dir, 'init', '-q', '--bare', bare);
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: bare, env: GIT_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  fi.stderr.on('data', (d) => (err += d));
  const exited = new Promise((res, rej) => fi.on('close', (code) => (code === 0 ? res() : rej(new Error(`git fast-import exited ${code}: ${err}`)))));
  for (const chunk of fastImportStream(opts)) if (!fi.stdin.write(chunk)) await new Promise((r) => fi.stdin.once('drain', r));
  fi.stdin.end();
  await exited;
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  git(bare, 'repack', '-a', '-d', '-q');
  return bare;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const bare = await makeFixture(process.argv[2] ?? '/tmp/edgehub-git-fixture');
  console.log(
    bare,
    `${Math.round(performance.now() - t0)} ms`,
    git(bare, 'rev-list', '--count', 'HEAD'),
    'commits',
    git(bare, 'ls-tree', '-r', '--name-only', 'HEAD').split('\n').length,
    'files',
  );
}
