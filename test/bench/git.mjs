// Git benchmark (issues 5 and 8): a generated repository of 3,500 files and 1,000 commits
// (git-fixture.mjs) is pushed into edgehub with native `git push` over smart HTTP, then the same
// operations are timed three ways, side by side in one run:
//   - edgehub's git tools through /mcp (raw HTTP, legacy lane with a session; modern lane for reads);
//   - native git (spawned per operation) on a local working copy of the same repository;
//   - the npm peer @cyanheads/git-mcp-server over its Streamable HTTP transport, confined by
//     GIT_BASE_DIR to its own local copy of the repository.
// Clone: native `git clone` through edgehub's smart HTTP vs from `git http-backend` (CGI) served
// by a loopback HTTP server (test/helpers/git-http-backend.mjs), on the same repository.
// Called by run.mjs as `run({ dev, results, row, check, quick })`; progress goes to stderr.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpBackend } from '../helpers/git-http-backend.mjs';
import { GIT_ENV, git, makeFixture } from './git-fixture.mjs';
import { cpuSeconds, descendants, freePort, measure, ROOT, round, startProc } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';

const execFileP = promisify(execFile);
const log = (...a) => console.error('[bench:git]', ...a);
const PEER = '@cyanheads/git-mcp-server 2.15.3';

/** Runs native git like an agent's shell tool would: one process per operation. */
const ngit = (cwd, ...args) => execFileP('git', args, { cwd, env: GIT_ENV, maxBuffer: 256 << 20 });

/**
 * Waits until `pid` and its children use under `pct` % of one core over 1 s windows (bounded):
 * after a push the Repo DO's alarm copies every new object to R2 in the background, and the
 * measurements must not share the two cores with it.
 */
async function quiesce(pid, { pct = 15, maxMs = 120_000 } = {}) {
  const t0 = performance.now();
  let quiet = 0;
  while (performance.now() - t0 < maxMs) {
    const c0 = cpuSeconds(descendants(pid));
    await new Promise((r) => setTimeout(r, 1000));
    const used = (cpuSeconds(descendants(pid)) - c0) * 100;
    quiet = used < pct ? quiet + 1 : 0;
    if (quiet >= 2) return round(performance.now() - t0);
  }
  return null;
}

/** Latency stats of separately timed sub-steps (same shape as lib.mjs `measure`). */
function stats(lat, concurrency = 1) {
  const s = [...lat].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const total = lat.reduce((a, b) => a + b, 0);
  return { p50: round(q(0.5)), p99: round(q(0.99)), rps: round((lat.length / total) * 1000), n: lat.length, concurrency };
}

/** An MCP tool caller that fails on `isError` results. */
function caller(send) {
  return async (name, args) => {
    const r = await send(name, args);
    if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
    return r;
  };
}

export async function run({ dev, row, check, quick }) {
  const t0 = performance.now();
  const k = (full, q) => (quick ? q : full);
  const work = mkdtempSync(join(tmpdir(), 'edgehub-bench-git-'));
  const served = join(work, 'served');
  const peerRoot = join(work, 'peer');
  mkdirSync(peerRoot);
  let backend;
  let peer;
  const cleanups = [];
  try {
    // 1. The repository, the working copies, the http-backend remote.
    const bare = await makeFixture(served);
    const nativeDir = join(work, 'native');
    const peerDir = join(peerRoot, 'repo');
    git(work, 'clone', '-q', bare, nativeDir);
    git(work, 'clone', '-q', bare, peerDir);
    const objects = git(bare, 'count-objects', '-v').match(/in-pack: (\d+)/)[1];
    log(`fixture: 1,000 commits, 3,500 files, ${objects} objects in ${round(performance.now() - t0)} ms`);
    backend = await startHttpBackend(served, GIT_ENV);

    // 2. Into edgehub: git_init through /mcp, then a native push over smart HTTP.
    const mcp = `${dev.url}/mcp`;
    const sid = await openSession(mcp);
    const call = caller((name, args) => legacy(mcp, sid, 'tools/call', { name, arguments: args }));
    const callModern = caller((name, args) => modern(mcp, 'tools/call', { name, arguments: args }));
    const repo = `bench-${crypto.randomUUID().slice(0, 8)}`;
    await call('git_init', { repo_path: repo });
    const remote = `${dev.url}/git/${repo}`;
    const t = performance.now();
    await ngit(nativeDir, 'push', '-q', remote, 'main');
    const pushMs = round(performance.now() - t);
    log(`native push into edgehub: ${pushMs} ms`);
    row('git', 'native `git push` of the whole repository into edgehub (once)', { p50: pushMs, p99: pushMs, rps: round(1000 / pushMs), n: 1, concurrency: 1 });
    const settled = await quiesce(dev.proc.pid);
    log(settled === null ? 'workerd still busy after 120 s (measuring anyway)' : `workerd idle ${settled} ms after the push (objects flushed to R2)`);
    const edgeHead = (await call('git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].hash;
    if (edgeHead !== git(nativeDir, 'rev-parse', 'HEAD')) throw new Error(`edgehub HEAD ${edgeHead} after push`);

    // 3. The peer, on its own local copy (GIT_BASE_DIR confines it there).
    const peerPort = await freePort();
    peer = await startProc([join(ROOT, 'node_modules/@cyanheads/git-mcp-server/dist/index.js')], {
      env: {
        ...GIT_ENV,
        HOME: peerRoot,
        MCP_TRANSPORT_TYPE: 'http',
        MCP_HTTP_HOST: '127.0.0.1',
        MCP_HTTP_PORT: String(peerPort),
        MCP_AUTH_MODE: 'none',
        MCP_LOG_LEVEL: 'error',
        GIT_BASE_DIR: peerRoot,
        GIT_SIGN_COMMITS: 'false',
      },
      ready: async (out) => /HTTP transport listening/.test(out) || (await fetch(`http://127.0.0.1:${peerPort}/healthz`).then(() => true)),
    });
    const peerUrl = `http://127.0.0.1:${peerPort}/mcp`;
    const peerSid = await openSession(peerUrl);
    const pcall = caller((name, args) => legacy(peerUrl, peerSid, 'tools/call', { name, arguments: args }));
    await pcall('git_set_working_dir', { path: peerDir });

    // edgehub vs the peer per operation (legacy lane, session: like for like). What bounds edgehub
    // is printed with it: its fixed cost per tool call (`floor`, measured below) vs its own work.
    let floor;
    const side = (op, ours, native, theirs, { alt, calls = 1 } = {}) => {
      const ok = ours.p50 <= theirs.p50;
      const fixed = round(calls * floor.p50);
      const work = round(ours.p50 - fixed);
      const bound = ok
        ? ''
        : work < theirs.p50
          ? ' (bounded by the per-call floor: its git work alone is under the peer)'
          : ' (its git work alone exceeds the peer)';
      check(
        `git ${op}: edgehub ahead of ${PEER}`,
        ok,
        `${ours.p50} ms vs peer ${theirs.p50} ms${alt ? ` (edgehub modern lane ${alt.p50} ms)` : ''}; native git ${native.p50} ms; edgehub = ${fixed} ms per-call floor (${calls} × /mcp + DO hop under wrangler dev) + ${work} ms — edgehub ${ok ? 'wins' : 'loses'}${bound}`,
      );
    };

    // The platform floor of one git tool call: /mcp + the Repo DO hop with next to no git work.
    const readN = k(40, 10);
    const fl = (floor = await measure(() => call('git_branch', { repo_path: repo, branch_type: 'local' }), { count: readN, warmup: 3 }));
    row('git', 'edgehub git_branch (floor: /mcp + Repo DO hop, no object reads), legacy lane', fl);
    const flH = await measure(() => fetch(`${dev.url}/health`).then((r) => r.text()), { count: readN, warmup: 3 });
    row('git', 'plain Worker route GET /health (platform floor)', flH);

    // 4. Clone: through edgehub vs from git http-backend (same repository). Only the clone is
    // timed (removing the copy is not); copies go to tmpfs when there is one, so disk writeback of
    // earlier copies does not land on later ones; `--bare` isolates transfer + index-pack from the
    // checkout of 3,500 files, which costs both sides the same.
    let seq = 0;
    const cloneRoot = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'edgehub-bench-clone-'));
    cleanups.push(() => rmSync(cloneRoot, { recursive: true, force: true }));
    const clones = async (url, args, count, warmup = 1) => {
      const lat = [];
      for (let i = 0; i < count + warmup; i++) {
        const dir = join(cloneRoot, `clone-${seq++}`);
        const s = performance.now();
        await ngit(cloneRoot, 'clone', '-q', ...args, url, dir);
        if (i >= warmup) lat.push(performance.now() - s);
        rmSync(dir, { recursive: true, force: true });
      }
      return stats(lat);
    };
    const servedUrl = `${backend.url}/src.git`;
    const first = await clones(remote, [], 1, 0);
    row('git', 'edgehub: native `git clone` over smart HTTP, first after push', first);
    const cloneN = k(5, 2);
    const nClone = await clones(servedUrl, [], cloneN);
    row('git', 'native: `git clone` from git http-backend (CGI, loopback)', nClone);
    const eClone = await clones(remote, [], cloneN);
    row('git', 'edgehub: native `git clone` over smart HTTP (warm)', eClone, { ratio: round(eClone.p50 / nClone.p50) });
    check(
      'git clone through edgehub ≤ 3× native http-backend clone',
      eClone.p50 <= 3 * nClone.p50,
      `${eClone.p50} ms vs ${nClone.p50} ms (${round(eClone.p50 / nClone.p50)}×)`,
    );
    const nBare = await clones(servedUrl, ['--bare'], cloneN);
    row('git', 'native: `git clone --bare` from git http-backend (transfer + index-pack only)', nBare);
    const eBare = await clones(remote, ['--bare'], cloneN);
    row('git', 'edgehub: `git clone --bare` over smart HTTP (transfer + index-pack only)', eBare, { ratio: round(eBare.p50 / nBare.p50) });
    check(
      'git clone --bare through edgehub ≤ 3× native http-backend',
      eBare.p50 <= 3 * nBare.p50,
      `${eBare.p50} ms vs ${nBare.p50} ms (${round(eBare.p50 / nBare.p50)}×)`,
    );
    log(`clone: edgehub ${eClone.p50} ms vs http-backend ${nClone.p50} ms; bare ${eBare.p50} vs ${nBare.p50} ms`);

    // 5. git_status (warm), both lanes; native `git status`; the peer.
    const st = await measure(() => call('git_status', { repo_path: repo }), { count: readN, warmup: 3 });
    row('git', 'edgehub git_status (warm), legacy lane', st);
    const stM = await measure(() => callModern('git_status', { repo_path: repo }), { count: readN, warmup: 3 });
    row('git', 'edgehub git_status (warm), modern lane', stM);
    const stN = await measure(() => ngit(nativeDir, 'status', '--porcelain=v1', '-b'), { count: readN, warmup: 3 });
    row('git', 'native `git status` (spawned, local copy)', stN);
    const stP = await measure(() => pcall('git_status', { path: peerDir }), { count: readN, warmup: 3 });
    row('git', `${PEER} git_status`, stP);
    check('git_status (warm) ≤ 300 ms', st.p50 <= 300 && stM.p50 <= 300, `2025 ${st.p50} ms, 2026 ${stM.p50} ms (native ${stN.p50} ms)`);
    side('status', st, stN, stP, { alt: stM });

    // 6. git_log max_count 100.
    const lg = await measure(() => call('git_log', { repo_path: repo, max_count: 100 }), { count: readN, warmup: 3 });
    row('git', 'edgehub git_log max_count=100, legacy lane', lg);
    const lgM = await measure(() => callModern('git_log', { repo_path: repo, max_count: 100 }), { count: readN, warmup: 3 });
    row('git', 'edgehub git_log max_count=100, modern lane', lgM);
    const lgN = await measure(() => ngit(nativeDir, 'log', '-n', '100'), { count: readN, warmup: 3 });
    row('git', 'native `git log -n 100`', lgN);
    const lgP = await measure(() => pcall('git_log', { path: peerDir, maxCount: 100 }), { count: readN, warmup: 3 });
    row('git', `${PEER} git_log maxCount=100`, lgP);
    check('git_log(100) ≤ 50 ms', lg.p50 <= 50 && lgM.p50 <= 50, `2025 ${lg.p50} ms, 2026 ${lgM.p50} ms (native ${lgN.p50} ms)`);
    side('log(100)', lg, lgN, lgP, { alt: lgM });

    // 7. git_diff against HEAD~5 (the fixture's last five commits: a handful of files).
    const df = await measure(() => call('git_diff', { repo_path: repo, target: 'HEAD~5' }), { count: readN, warmup: 3 });
    row('git', 'edgehub git_diff target=HEAD~5, legacy lane', df);
    const dfN = await measure(() => ngit(nativeDir, 'diff', 'HEAD~5'), { count: readN, warmup: 3 });
    row('git', 'native `git diff HEAD~5`', dfN);
    const dfP = await measure(() => pcall('git_diff', { path: peerDir, target: 'HEAD~5' }), { count: readN, warmup: 3 });
    row('git', `${PEER} git_diff target=HEAD~5`, dfP);
    side('diff HEAD~5', df, dfN, dfP);

    // 8. A one-file commit: write + add + commit, and the commit step alone.
    const commitN = k(30, 8);
    const path = 'bench/counter.txt';
    mkdirSync(join(nativeDir, 'bench'));
    mkdirSync(join(peerDir, 'bench'));
    let n = 0;
    const eCommit = [];
    const ec = await measure(
      async () => {
        const i = n++;
        await call('git_write_file', { repo_path: repo, path, content: `edit ${i}\n` });
        await call('git_add', { repo_path: repo, files: [path] });
        const s = performance.now();
        await call('git_commit', { repo_path: repo, message: `bench edit ${i}` });
        eCommit.push(performance.now() - s);
      },
      { count: commitN, warmup: 2 },
    );
    row('git', 'edgehub git_write_file + git_add + git_commit (one file), legacy lane', ec);
    const ecc = stats(eCommit.slice(2));
    row('git', 'edgehub git_commit alone (one staged file), legacy lane', ecc);
    const nCommit = [];
    const nc = await measure(
      async () => {
        const i = n++;
        writeFileSync(join(nativeDir, path), `edit ${i}\n`);
        await ngit(nativeDir, 'add', path);
        const s = performance.now();
        await ngit(nativeDir, 'commit', '-q', '-m', `bench edit ${i}`);
        nCommit.push(performance.now() - s);
      },
      { count: commitN, warmup: 2 },
    );
    row('git', 'native edit + `git add` + `git commit` (one file)', nc);
    const ncc = stats(nCommit.slice(2));
    row('git', 'native `git commit` alone', ncc);
    const pCommit = [];
    const pc = await measure(
      async () => {
        const i = n++;
        writeFileSync(join(peerDir, path), `edit ${i}\n`);
        await pcall('git_add', { path: peerDir, paths: [path] });
        const s = performance.now();
        await pcall('git_commit', { path: peerDir, message: `bench edit ${i}` });
        pCommit.push(performance.now() - s);
      },
      { count: commitN, warmup: 2 },
    );
    row('git', `${PEER}: edit on disk + git_add + git_commit (one file)`, pc);
    const pcc = stats(pCommit.slice(2));
    row('git', `${PEER} git_commit alone`, pcc);
    check('git_commit (one file) ≤ 150 ms', ecc.p50 <= 150, `commit ${ecc.p50} ms; write+add+commit ${ec.p50} ms (native commit ${ncc.p50} ms)`);
    side('commit', ecc, ncc, pcc);
    side('write+add+commit', ec, nc, pc, { calls: 3 });

    log(`done in ${round((performance.now() - t0) / 1000)} s`);
  } finally {
    await peer?.stop();
    await backend?.stop();
    for (const c of cleanups) c();
    rmSync(work, { recursive: true, force: true });
  }
}
