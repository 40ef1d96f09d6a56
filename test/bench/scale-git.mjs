// Git at size (issue 22): a generated repository (full: 20,000 files, 5,000 commits and four 5 MB
// binaries each rewritten 10 times — ~200 MB packed; --quick: 2,000 files, 500 commits, one
// binary twice), written by one native `git fast-import` stream. Native push into edgehub, native
// clone out of it, and git_status / git_log(100) / git_diff / git_commit through /mcp, each as a
// ratio to native git on a local copy; workerd RSS and the isolate's V8 heap sampled during the
// push and the tool calls (the 128 MB isolate limit is measured, not assumed). A step that breaks
// (limit, OOM, timeout) is recorded as a finding and the next step still runs.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpBackend } from '../helpers/git-http-backend.mjs';
import { mulberry32 } from '../helpers/prng.mjs';
import { fastImportStream, GIT_ENV, git } from './git-fixture.mjs';
import { cpuSeconds, descendants, round } from './lib.mjs';
import { legacy, openSession } from './mcp.mjs';
import { writeCurve } from './plot.mjs';
import { isolateProbe, median, workerdRssMb } from './scale-probe.mjs';

const execFileP = promisify(execFile);
const log = (...a) => console.error('[bench:scale-git]', ...a);
const ngit = (cwd, ...args) => execFileP('git', args, { cwd, env: GIT_ENV, maxBuffer: 256 << 20, timeout: 600_000 });

function* bigStream({ files, commits, binaries, rewrites }) {
  const text = commits - binaries * rewrites;
  for (const chunk of fastImportStream({ files, commits: text })) if (chunk !== 'done\n') yield chunk;
  const rnd = mulberry32(7);
  let mark = text;
  for (let r = 0; r < rewrites; r++)
    for (let b = 0; b < binaries; b++) {
      const blob = new Uint32Array((5 << 20) / 4);
      for (let i = 0; i < blob.length; i++) blob[i] = (rnd() * 2 ** 32) >>> 0;
      const who = `Bench <bench@example.com> ${1_800_000_000 + mark * 60} +0000`;
      const msg = `asset ${b} revision ${r}`;
      yield `commit refs/heads/main\nmark :${mark + 1}\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n${msg}\nfrom :${mark}\nM 100644 inline assets/blob-${b}.bin\ndata ${blob.byteLength}\n`;
      yield Buffer.from(blob.buffer);
      yield '\n';
      mark++;
    }
  yield 'done\n';
}

async function makeBig(dir, opts) {
  const bare = join(dir, 'src.git');
  git(dir, 'init', '-q', '--bare', bare);
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: bare, env: GIT_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  fi.stderr.on('data', (d) => (err += d));
  const exited = new Promise((res, rej) => fi.on('close', (c) => (c === 0 ? res() : rej(new Error(`fast-import ${c}: ${err}`)))));
  for (const chunk of bigStream(opts)) if (!fi.stdin.write(chunk)) await new Promise((r) => fi.stdin.once('drain', r));
  fi.stdin.end();
  await exited;
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  git(bare, 'repack', '-a', '-d', '-q');
  return bare;
}

/**
 * Times `op` while sampling workerd RSS and the isolate heap every 500 ms — raw (garbage included)
 * and live (after a forced full GC), V8 objects alone and with ArrayBuffer backing stores — and
 * returns { ms, peakRss, peakHeap, peakLive, peakRawTotal, peakLiveTotal, error }.
 */
async function sampled(dev, op) {
  let peakRss = workerdRssMb(dev.proc.pid);
  let peakHeap = null;
  let peakLive = null;
  let peakRawTotal = null;
  let peakLiveTotal = null;
  // SCALE_GIT_HEAP_PROFILE=1: where the live heap was allocated, at each new peak (diagnostics).
  const profile = !!process.env.SCALE_GIT_HEAP_PROFILE;
  const probe = await isolateProbe(dev.inspectorUrl, `${dev.url}/health`, { profile }).catch(() => null);
  let atPeak = null;
  const sample = async () => {
    peakRss = Math.max(peakRss, workerdRssMb(dev.proc.pid));
    const h = await probe?.heap();
    if (h?.raw != null) peakHeap = Math.max(peakHeap ?? 0, h.raw);
    if (h?.live != null && h.live > (peakLive ?? 0) && profile) atPeak = { live: h.live, top: await probe.top() };
    if (h?.live != null) peakLive = Math.max(peakLive ?? 0, h.live);
    if (h?.rawTotal != null) peakRawTotal = Math.max(peakRawTotal ?? 0, h.rawTotal);
    if (h?.liveTotal != null) peakLiveTotal = Math.max(peakLiveTotal ?? 0, h.liveTotal);
  };
  await sample();
  let on = true;
  const sampler = (async () => {
    while (on) {
      await sample();
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const s = performance.now();
  let error = null;
  try {
    await op();
  } catch (e) {
    error = String(e?.stderr || e?.message || e).slice(0, 600);
  }
  const ms = round(performance.now() - s);
  on = false;
  await sampler;
  if (atPeak) log(`live heap at its peak (${atPeak.live} MB) was allocated at:\n${atPeak.top.map((t) => `  ${t.mb} MB  ${t.site}`).join('\n')}`);
  await probe?.close();
  return { ms, peakRss, peakHeap, peakLive, peakRawTotal, peakLiveTotal, error };
}

/**
 * git-size.csv|svg: time as a ratio to native git, with the memory columns beside it;
 * git-memory.csv|svg: the isolate's peak memory per operation, raw and live, against the 128 MB limit.
 */
export async function writeGitCurves(res, opts, packMb) {
  const series = `${packMb} MB, ${opts.files} files, ${opts.commits} commits`;
  const ok = res.filter((r) => r.ratio !== null);
  await writeCurve(
    'git-size',
    ok.map((r) => ({
      x: r.op,
      y: r.ratio,
      series,
      edgeMs: r.edgeMs,
      nativeMs: r.nativeMs,
      rawHeapMb: r.peakHeapMb,
      liveHeapMb: r.peakLiveHeapMb,
      rawWithBuffersMb: r.peakRawWithBuffersMb,
      liveWithBuffersMb: r.peakLiveWithBuffersMb,
      rssMb: r.peakRssMb,
    })),
    { x: 'operation', y: '× native git', title: 'Git at size: edgehub time / native git time' },
  );
  const mem = [
    ['raw V8 heap (garbage included)', 'peakHeapMb'],
    ['live V8 heap (after a full GC)', 'peakLiveHeapMb'],
    ['live heap + ArrayBuffers', 'peakLiveWithBuffersMb'],
  ];
  await writeCurve(
    'git-memory',
    [
      ...ok.flatMap((r) => mem.map(([name, k]) => ({ x: r.op, y: r[k], series: name }))),
      ...ok.map((r) => ({ x: r.op, y: 128, series: 'isolate limit (128 MB)' })),
    ],
    { x: 'operation', y: 'peak MB', title: `Git at size (${series}): isolate memory` },
  );
}

export async function run({ dev, row, check, quick, out }) {
  // SCALE_GIT_SIZE=medium: the full shape at about a third of the size (~70 MB), for iterating.
  const opts = quick
    ? { files: 2000, commits: 500, binaries: 1, rewrites: 2 }
    : process.env.SCALE_GIT_SIZE === 'medium'
      ? { files: 7000, commits: 1700, binaries: 4, rewrites: 3 }
      : { files: 20_000, commits: 5000, binaries: 4, rewrites: 10 };
  const work = mkdtempSync(join(tmpdir(), 'edgehub-scale-git-'));
  let backend;
  try {
    let t = performance.now();
    const bare = await makeBig(work, opts);
    const packMb = round(Number(/size-pack: (\d+)/.exec(git(bare, 'count-objects', '-v'))[1]) / 1024);
    log(`repository: ${opts.files} files, ${opts.commits} commits, ${packMb} MB packed, generated in ${round(performance.now() - t)} ms`);
    const local = join(work, 'local');
    git(work, 'clone', '-q', bare, local);
    backend = await startHttpBackend(work, GIT_ENV);
    const res = [];
    const note = (op, edge, native) => {
      const r = {
        stage: 'git',
        op,
        edgeMs: edge.ms,
        nativeMs: native,
        ratio: edge.error ? null : round(edge.ms / native),
        peakRssMb: edge.peakRss,
        peakHeapMb: edge.peakHeap,
        peakLiveHeapMb: edge.peakLive,
        peakRawWithBuffersMb: edge.peakRawTotal,
        peakLiveWithBuffersMb: edge.peakLiveTotal,
        error: edge.error,
      };
      res.push(r);
      out.push({ ...r, files: opts.files, commits: opts.commits, packMb });
      log(JSON.stringify(r));
      row('scale-git', `${op} (${packMb} MB repo; native ${native} ms${edge.error ? `; FAILED: ${edge.error}` : ''})`, {
        p50: edge.ms,
        p99: edge.ms,
        rps: 0,
        n: 1,
        concurrency: 1,
      });
      check(`git at size: ${op} works`, !edge.error, edge.error ?? `${edge.ms} ms (${r.ratio}× native)`);
    };

    // Push: native git into edgehub vs native git into an empty bare over git http-backend.
    const mcp = `${dev.url}/mcp`;
    const sid = await openSession(mcp);
    const call = async (name, args) => {
      const r = await legacy(mcp, sid, 'tools/call', { name, arguments: args });
      if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
      return r;
    };
    const repo = `big-${crypto.randomUUID().slice(0, 8)}`;
    await call('git_init', { repo_path: repo });
    git(work, 'init', '-q', '--bare', join(work, 'target.git'));
    git(join(work, 'target.git'), 'config', 'http.receivepack', 'true');
    t = performance.now();
    await ngit(local, 'push', '-q', `${backend.url}/target.git`, 'main');
    const nPush = round(performance.now() - t);
    const remote = `${dev.url}/git/${repo}`;
    const whole = await sampled(dev, () => ngit(local, 'push', '-q', remote, 'main'));
    note('native git push, whole repository at once', whole, nPush);
    if (whole.error) {
      // Over GIT_MAX_PUSH_BYTES (32 MiB) the push is refused (a finding): push as a user then would,
      // in steps — the text history at once, then each binary revision — each under the limit.
      const revs = git(local, 'rev-list', '--reverse', 'main').split('\n');
      const textEnd = opts.commits - opts.binaries * opts.rewrites;
      const steps = [revs[textEnd - 1], ...revs.slice(textEnd)];
      const stepped = await sampled(dev, async () => {
        for (const r of steps) await ngit(local, 'push', '-q', remote, `${r}:refs/heads/main`);
      });
      note(`native git push in ${steps.length} steps (each under GIT_MAX_PUSH_BYTES)`, stepped, nPush);
      if (stepped.error) throw new Error(`stepped push failed: ${stepped.error}`);
    }

    // The Repo DO copies new objects to R2 in the background after a push: wait for workerd to go
    // quiet (bounded) so the clone is not measured against that flush; its length is a finding too.
    const q0 = performance.now();
    let quiet = 0;
    while (quiet < 2 && performance.now() - q0 < (quick ? 120_000 : 600_000)) {
      const c0 = cpuSeconds(descendants(dev.proc.pid));
      await new Promise((r) => setTimeout(r, 1000));
      quiet = (cpuSeconds(descendants(dev.proc.pid)) - c0) * 100 < 15 ? quiet + 1 : 0;
    }
    const flushMs = round(performance.now() - q0);
    log(`workerd ${quiet >= 2 ? 'quiet' : 'still busy'} ${flushMs} ms after the push`);
    out.push({ stage: 'git', op: 'background flush after push', ms: flushMs, quiet: quiet >= 2 });

    // Clone: through edgehub vs from git http-backend.
    const cl = (url, dir) => ngit(work, 'clone', '-q', '--bare', url, join(work, dir));
    t = performance.now();
    await cl(`${backend.url}/src.git`, 'n-clone');
    const nClone = round(performance.now() - t);
    note('native git clone --bare', await sampled(dev, () => cl(remote, 'e-clone')), nClone);

    // The tools, each vs the native command on the local copy (median of 3 native runs).
    const nat = async (...args) => {
      const l = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        await ngit(local, ...args);
        l.push(performance.now() - s);
      }
      return median(l);
    };
    note('git_status', await sampled(dev, () => call('git_status', { repo_path: repo })), await nat('status', '--porcelain=v1', '-b'));
    note('git_status (warm)', await sampled(dev, () => call('git_status', { repo_path: repo })), await nat('status', '--porcelain=v1', '-b'));
    note('git_log(100)', await sampled(dev, () => call('git_log', { repo_path: repo, max_count: 100 })), await nat('log', '-n', '100'));
    note('git_diff HEAD~5', await sampled(dev, () => call('git_diff', { repo_path: repo, target: 'HEAD~5' })), await nat('diff', 'HEAD~5'));
    await call('git_write_file', { repo_path: repo, path: 'bench/edit.txt', content: 'one\n' });
    await call('git_add', { repo_path: repo, files: ['bench/edit.txt'] });
    writeFileSync(join(local, 'edit.txt'), 'one\n');
    await ngit(local, 'add', 'edit.txt');
    t = performance.now();
    await ngit(local, 'commit', '-q', '-m', 'one');
    const nCommit = round(performance.now() - t);
    note('git_commit (one staged file)', await sampled(dev, () => call('git_commit', { repo_path: repo, message: 'one' })), nCommit);
    await writeGitCurves(res, opts, packMb).catch((e) => log(`plot: ${e.message}`));
  } finally {
    await backend?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
