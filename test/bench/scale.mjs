// Scale bench (issue 22), `npm run bench -- --only scale [--quick]`: how edgehub's costs grow.
//   fan-out + sessions: 10 → 1,000 live 2025 sessions (GET streams) and as many 2026 listen
//     streams; per size: open rate, workerd RSS and isolate heap, idle CPU, and the time from a
//     config change (admin PUT) to the last stream's tools/list_changed (3 changes, median).
//   catalog: 1 → 100 upstreams × 50 tools (50 → 5,000 tools, 10 fixture processes, each mounted
//     under several names): cold paged tools/list of a new session, warm paged list (both lanes),
//     first tool call of a new session, RSS per session DO holding the catalog.
//   git at size: scale-git.mjs.
//   idle: idle sessions and hibernation (live objects and heap over time): scale-idle.mjs.
// Each curve goes to test/bench/results/scale/<name>.{csv,svg} (plot.mjs). Loopback only, bounded.
import { join } from 'node:path';
import { cpuSeconds, descendants, ROOT, round, startProc } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';
import { writeCurve } from './plot.mjs';
import { idleCpu, isolateHeapMb, median, pool, streamPool, workerdRssMb } from './scale-probe.mjs';

const log = (...a) => console.error('[bench:scale]', ...a);

async function admin(base, method, path, body) {
  const r = await fetch(`${base}/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function fanOutCurve({ dev, row, check, quick, out }) {
  const mcp = `${dev.url}/mcp`;
  const sizes = quick ? [10, 50, 100] : [10, 100, 500, 1000];
  const streams = streamPool(mcp);
  const sids = [];
  const curve = { fanout: [], sessions: [] };
  let open = 0;
  let listen = 0;
  try {
    for (const N of sizes) {
      // Open up to N sessions: initialize + initialized + tools/list (each session then holds a
      // gateway runtime, as a working client's does) + its GET stream; and N listen streams.
      const t0 = performance.now();
      const add = N - open;
      await pool(add, 16, async () => {
        const sid = await openSession(mcp);
        sids.push(sid);
        await legacy(mcp, sid, 'tools/list');
        await streams.legacyStream(sid);
      });
      const openMs = performance.now() - t0;
      open = N;
      await pool(N - listen, 16, async (i) => streams.listenStream(10_000 + listen + i));
      listen = N;
      await new Promise((r) => setTimeout(r, 1000));
      const rss = workerdRssMb(dev.proc.pid);
      const heap = await isolateHeapMb(dev.inspectorUrl);
      const idle = await idleCpu(dev.proc.pid);
      const lat = { legacy: [], listen: [], put: [], cpu: [] };
      let reached = true;
      for (let rep = 0; rep < 3; rep++) {
        streams.reset();
        const c0 = cpuSeconds(descendants(dev.proc.pid));
        const s = performance.now();
        if (rep % 2 === 0) await admin(dev.url, 'PUT', '/servers/scale-probe', { uri: 'https://scale-probe.example/mcp', enabled: false });
        else await admin(dev.url, 'DELETE', '/servers/scale-probe');
        lat.put.push(performance.now() - s);
        const deadline = Date.now() + 30_000;
        while ((streams.arrivals.legacy.length < N || streams.arrivals.listen.length < N) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        // CPU of the whole wrangler dev tree (dev proxy, Worker + every DO on one thread) per change.
        lat.cpu.push((cpuSeconds(descendants(dev.proc.pid)) - c0) * 1000);
        for (const k of ['legacy', 'listen']) {
          const a = streams.arrivals[k];
          if (a.length < N) reached = false;
          lat[k].push(a.length ? Math.max(...a) - s : Number.NaN);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const fl = median(lat.legacy);
      const fm = median(lat.listen);
      log(
        `N=${N}: open ${round((add / openMs) * 1000)} sessions/s, RSS ${rss} MB, heap ${heap} MB, idle ${idle} CPU ms/s; fan-out 2025 ${fl} ms, 2026 ${fm} ms (admin reply ${median(lat.put)} ms; workerd CPU ${median(lat.cpu)} ms per change)`,
      );
      row('scale', `config change → ${N} sessions' GET streams + ${N} listen streams (median of 3)`, {
        p50: Math.max(fl, fm),
        p99: Math.max(...lat.legacy, ...lat.listen),
        rps: 0,
        n: 3,
        concurrency: N,
      });
      check(
        `config change reaches ${N} 2025 sessions and ${N} listen streams ≤ 1 s`,
        reached && fl <= 1000 && fm <= 1000,
        `2025 ${fl} ms, 2026 ${fm} ms${reached ? '' : ' (some never arrived in 30 s)'}`,
      );
      curve.fanout.push({ x: N, y: fl, series: '2025 GET streams' }, { x: N, y: fm, series: '2026 listen streams' });
      curve.sessions.push(
        { x: N, y: rss, series: 'workerd RSS (MB)' },
        ...(heap === null ? [] : [{ x: N, y: heap, series: 'isolate V8 heap (MB)' }]),
        { x: N, y: round((add / openMs) * 1000), series: 'open rate (sessions/s)' },
        { x: N, y: idle, series: 'idle workerd CPU (ms/s)' },
        { x: N, y: median(lat.cpu), series: 'workerd CPU per config change (ms)' },
      );
      out.push({
        stage: 'fanout',
        sessions: N,
        openPerS: round((add / openMs) * 1000),
        rssMb: rss,
        heapMb: heap,
        idleCpuMsPerS: idle,
        fanout2025Ms: fl,
        fanout2026Ms: fm,
        adminReplyMs: median(lat.put),
        cpuMsPerChange: median(lat.cpu),
      });
    }
  } finally {
    await streams.close();
    await admin(dev.url, 'DELETE', '/servers/scale-probe').catch(() => {});
  }
  // Streams closed: the same sessions idle with nothing open (hibernation-eligible).
  await new Promise((r) => setTimeout(r, 2000));
  const idleAfter = await idleCpu(dev.proc.pid, 5000);
  out.push({ stage: 'idle', sessions: open, streams: 0, idleCpuMsPerS: idleAfter, rssMb: workerdRssMb(dev.proc.pid) });
  log(`${open} sessions, streams closed: idle ${idleAfter} CPU ms/s`);
  // End them (DELETE): later parts' config changes must not each fan out to 1,000 sessions.
  await pool(sids.length, 16, (i) => fetch(mcp, { method: 'DELETE', headers: { 'mcp-session-id': sids[i] } }).then((r) => r.text()));
  await writeCurve('fanout', curve.fanout, {
    x: 'live sessions (and as many listen streams)',
    y: 'ms to the last list_changed',
    title: 'Config change fan-out',
    logX: true,
  });
  await writeCurve('sessions', curve.sessions, {
    x: 'live sessions with open streams',
    y: 'value (see series)',
    title: 'Cost vs sessions (wrangler dev)',
    logX: true,
  });
}

/** Every page of tools/list; returns the tool count. */
async function listAll(list) {
  let cursor;
  let n = 0;
  for (let i = 0; i < 50; i++) {
    const r = await list(cursor ? { cursor } : {});
    n += r.tools.length;
    cursor = r.nextCursor;
    if (!cursor) return n;
  }
  throw new Error('more than 50 pages');
}

async function catalogCurve({ dev, row, quick, out }) {
  const mcp = `${dev.url}/mcp`;
  const sizes = quick ? [1, 4, 10] : [1, 10, 40, 100];
  const PROCS = quick ? 4 : 10;
  const ups = await Promise.all(
    Array.from({ length: PROCS }, () =>
      startProc([join(ROOT, 'test/fixtures/fault-server.mjs'), '--port', '0', '--tools', '50'], { ready: async (o) => /LISTENING \d+/.test(o) }),
    ),
  );
  const ports = ups.map((u) => /LISTENING (\d+)/.exec(u.output())[1]);
  const curve = [];
  let mounted = 0;
  try {
    for (const M of sizes) {
      for (; mounted < M; mounted++)
        await admin(dev.url, 'PUT', `/servers/up${mounted}`, { uri: `http://127.0.0.1:${ports[mounted % PROCS]}/mcp`, prefix: `up${mounted}` });
      await new Promise((r) => setTimeout(r, 500));
      const want = M * 50;
      const cold = [];
      const first = [];
      for (let i = 0; i < 3; i++) {
        let s = performance.now();
        const sid = await openSession(mcp);
        const n = await listAll((p) => legacy(mcp, sid, 'tools/list', p));
        cold.push(performance.now() - s);
        if (n < want) log(`M=${M}: cold list gave ${n} of ${want}+ tools`);
        s = performance.now();
        const sid2 = await openSession(mcp);
        await legacy(mcp, sid2, 'tools/call', { name: `up${M - 1}_ping`, arguments: {} });
        first.push(performance.now() - s);
      }
      const sid = await openSession(mcp);
      await listAll((p) => legacy(mcp, sid, 'tools/list', p));
      const warm = [];
      const warmM = [];
      for (let i = 0; i < 5; i++) {
        let s = performance.now();
        await listAll((p) => legacy(mcp, sid, 'tools/list', p));
        warm.push(performance.now() - s);
        s = performance.now();
        await listAll((p) => modern(mcp, 'tools/list', p));
        warmM.push(performance.now() - s);
      }
      // RSS per session DO holding this catalog: 10 more sessions, each listing everything.
      const rss0 = workerdRssMb(dev.proc.pid);
      await pool(10, 5, async () => {
        const s2 = await openSession(mcp);
        await listAll((p) => legacy(mcp, s2, 'tools/list', p));
      });
      const perSession = round((workerdRssMb(dev.proc.pid) - rss0) / 10);
      const r = {
        stage: 'catalog',
        upstreams: M,
        tools: want,
        coldListMs: median(cold),
        warmList2025Ms: median(warm),
        warmList2026Ms: median(warmM),
        firstCallMs: median(first),
        rssPerSessionMb: perSession,
      };
      out.push(r);
      log(JSON.stringify(r));
      row('scale', `catalog ${M} upstreams × 50 tools: warm paged tools/list, legacy lane (cold ${r.coldListMs} ms, first call ${r.firstCallMs} ms)`, {
        p50: r.warmList2025Ms,
        p99: Math.max(...warm),
        rps: 0,
        n: 5,
        concurrency: 1,
      });
      curve.push(
        { x: want, y: r.coldListMs, series: 'cold paged tools/list, new 2025 session' },
        { x: want, y: r.warmList2025Ms, series: 'warm paged tools/list, 2025' },
        { x: want, y: r.warmList2026Ms, series: 'warm paged tools/list, 2026' },
        { x: want, y: r.firstCallMs, series: 'new session: initialize → first tools/call' },
      );
    }
  } finally {
    for (let i = 0; i < mounted; i++) await admin(dev.url, 'DELETE', `/servers/up${i}`).catch(() => {});
    await Promise.all(ups.map((u) => u.stop()));
  }
  await writeCurve('catalog', curve, { x: 'tools in the catalog (50 per upstream)', y: 'ms', title: 'Catalog size: list and first call', logX: true });
}

export async function run(ctx) {
  const out = [];
  ctx.results.scale = out;
  const parts = [
    ['fan-out and sessions', fanOutCurve],
    ['catalog', catalogCurve],
    ['git at size', async (c) => (await import('./scale-git.mjs')).run(c)],
    // Last: it leaves its sessions registered (a later config change would wake them all).
    ['idle sessions', async (c) => (await import('./scale-idle.mjs')).run(c)],
  ];
  // SCALE_PARTS=fan,cat,git,idle picks parts by prefix (default: all).
  const pick = (process.env.SCALE_PARTS ?? '').split(',').filter(Boolean);
  for (const [name, part] of parts) {
    if (pick.length && !pick.some((p) => name.startsWith(p))) continue;
    try {
      await part({ ...ctx, out });
    } catch (e) {
      // A part that breaks at size is a finding: recorded, and the next part still runs.
      log(`${name} failed: ${e?.stack ?? e}`);
      out.push({ stage: name, error: String(e?.message ?? e).slice(0, 500) });
      ctx.check(`scale: ${name} completes`, false, String(e?.message ?? e).slice(0, 200));
    }
  }
}

export function scaleMarkdown(rows) {
  if (!rows?.length) return [];
  const lines = ['', '## Scale (test/bench/results/scale/*.csv|svg)', ''];
  for (const r of rows)
    lines.push(
      `- ${Object.entries(r)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  return lines;
}
