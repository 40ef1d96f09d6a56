// Idle sessions (issue 22): do idle 2025 sessions cost memory? `SCALE_PARTS=idle npm run bench --
// --only scale [--quick]`. Per size N (10, 100, 1,000; --quick: 100), N sessions open the way a
// client does (initialize + initialized + tools/list); a tenth keep a GET stream open ("stream
// open"), another tenth open one and close it, the rest never open one ("no stream"). Then nothing
// happens, and at t = 0, 5, 10, 20, 30, 40, 50 s (N = 1,000 also 70, 150 s) the isolate's live Durable Object
// instances (per class and per cohort) and its live V8 heap are read after a full GC through the
// inspector (isolate-probe.mjs). Then evicted sessions are woken by one request each: the reply
// must be correct (state read back from storage), and its latency is compared with a warm request.
// A connector (`edgehub connect`) stays online throughout, to see whether its ConnectorDO hibernates.
// Writes test/bench/results/scale/idle.{csv,svg}. Bounded: ~6 min full, ~2 min --quick (N = 100).
import { join } from 'node:path';
import { objectProbe, runtimeUrl } from './isolate-probe.mjs';
import { ROOT, round, startProc } from './lib.mjs';
import { legacy, openSession } from './mcp.mjs';
import { writeCurve } from './plot.mjs';
import { median, pool, streamPool, workerdRssMb } from './scale-probe.mjs';

const log = (...a) => console.error('[bench:scale:idle]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WAKE = 5; // sessions woken per kind of first request
// The second keepalive (SSE_KEEPALIVE_MS, 15 s) after a client closed fails; then 10 s idle evict.
const CLOSED_WAIT_MS = 45_000;

/** Opens `n` sessions (each lists its tools, so it holds a gateway runtime as a working client's does). */
async function openMany(mcp, n) {
  const sids = [];
  await pool(n, 16, async () => {
    const sid = await openSession(mcp);
    await legacy(mcp, sid, 'tools/list');
    sids.push(sid);
  });
  return sids;
}

/** `op` on a session twice: the first request (object evicted) and the next one (warm). */
async function coldWarm(op, sids) {
  const cold = [];
  const warm = [];
  let ok = true;
  for (const sid of sids) {
    let s = performance.now();
    ok = (await op(sid)) && ok;
    cold.push(performance.now() - s);
    s = performance.now();
    ok = (await op(sid)) && ok;
    warm.push(performance.now() - s);
  }
  return { cold, warm, ok };
}

const COHORTS = ['no stream', 'stream closed', 'stream open'];

async function idleSize({ dev, mcp, probe, N, times, curve, out, row, check }) {
  const P = Math.max(1, Math.round(N / 10));
  const pinned = streamPool(mcp);
  const transient = streamPool(mcp);
  const sids = await openMany(mcp, N);
  const size = { 'stream open': P, 'stream closed': P, 'no stream': N - 2 * P };
  const cohort = Object.fromEntries(sids.map((s, i) => [`default:${s}`, i < P ? 'stream open' : i < 2 * P ? 'stream closed' : 'no stream']));
  await probe.setCohorts(cohort);
  for (const sid of sids.slice(0, P)) await pinned.legacyStream(sid);
  for (const sid of sids.slice(P, 2 * P)) await transient.legacyStream(sid);
  await sleep(500);
  await transient.close(); // the client closes these streams; then nothing happens at all
  const t0 = performance.now();
  const samples = [];
  for (const T of times) {
    await sleep(Math.max(0, t0 + T * 1000 - performance.now()));
    const s = await probe.sample();
    const r = {
      stage: 'idle',
      sessions: N,
      t: T,
      sampledAtS: round((performance.now() - t0) / 1000),
      ...Object.fromEntries(COHORTS.map((c) => [`live ${c}`, s.cohorts[c] ?? 0])),
      liveSessionDO: s.classes.SessionDO ?? 0,
      liveConfigDO: s.classes.ConfigDO ?? 0,
      liveConnectorDO: s.classes.ConnectorDO ?? 0,
      heapMb: s.heapMb,
      rssMb: workerdRssMb(dev.proc.pid),
    };
    samples.push(r);
    out.push(r);
    log(JSON.stringify(r));
    for (const c of COHORTS) curve.push({ x: T, y: round((100 * r[`live ${c}`]) / size[c]), series: `${N} sessions: % live, ${c}` });
    curve.push({ x: T, y: r.heapMb, series: `${N} sessions: live isolate heap (MB)` });
  }
  const first = samples[0];
  const last = samples.at(-1);
  const gone = (c) => samples.find((x) => x[`live ${c}`] === 0)?.t ?? null;
  const freed = first.liveSessionDO - last.liveSessionDO;
  const summary = {
    stage: 'idle-summary',
    sessions: N,
    goneNoStreamByS: gone('no stream'),
    goneStreamClosedByS: gone('stream closed'),
    liveStreamOpenAtEnd: last['live stream open'],
    heapPerSessionKb: freed > 0 ? round(((first.heapMb - last.heapMb) * 1024) / freed) : null,
  };
  check(`idle ${N}: ${size['no stream']} sessions that never opened a stream are evicted`, summary.goneNoStreamByS !== null, JSON.stringify(summary));
  check(`idle ${N}: ${P} sessions whose client closed its GET stream are evicted`, summary.goneStreamClosedByS !== null, JSON.stringify(summary));
  check(`idle ${N}: ${P} sessions with an open GET stream stay in memory`, summary.liveStreamOpenAtEnd === P, `${summary.liveStreamOpenAtEnd} of ${P} live`);

  // Wake evicted sessions: the first request re-creates the object from its storage.
  const plain = sids.slice(2 * P);
  const pick = (k) => plain.slice(k * WAKE, (k + 1) * WAKE);
  const ping = await coldWarm(async (sid) => JSON.stringify(await legacy(mcp, sid, 'ping')) === '{}', pick(0));
  const list = await coldWarm(async (sid) => (await legacy(mcp, sid, 'tools/list')).tools.some((t) => t.name === 'hub_status'), pick(1));
  const woken = await probe.sample();
  Object.assign(summary, {
    coldPingMs: median(ping.cold),
    warmPingMs: median(ping.warm),
    coldListMs: median(list.cold),
    warmListMs: median(list.warm),
    liveNoStreamAfterWake: woken.cohorts['no stream'] ?? 0,
  });
  out.push(summary);
  log(JSON.stringify(summary));
  check(`idle ${N}: evicted sessions answer correctly when woken (ping, tools/list)`, ping.ok && list.ok, `${ping.ok} ${list.ok}`);
  const wokenN = pick(0).length + pick(1).length;
  check(`idle ${N}: exactly the ${wokenN} woken sessions come back`, summary.liveNoStreamAfterWake === wokenN, `${summary.liveNoStreamAfterWake} live`);
  for (const [what, m] of [
    ['ping', ping],
    ['tools/list', list],
  ])
    row('scale', `idle ${N}: first ${what} of an evicted session (warm: ${median(m.warm)} ms)`, {
      p50: median(m.cold),
      p99: round(Math.max(...m.cold)),
      rps: 0,
      n: m.cold.length,
      concurrency: 1,
    });
  return pinned;
}

export async function run({ dev, row, check, quick, out }) {
  // Session traffic goes to the runtime directly: wrangler dev's proxy keeps its connection to the
  // runtime open after a client closes a stream, which would pin the object (a dev-only effect).
  const mcp = `${await runtimeUrl(dev)}/mcp`;
  const probe = await objectProbe(dev.inspectorUrl, () => fetch(`${dev.url}/health`).then((r) => r.text()));
  const base = await probe.sample();
  out.push({ stage: 'idle-baseline', heapMb: base.heapMb, classes: JSON.stringify(base.classes), rssMb: workerdRssMb(dev.proc.pid) });
  log('baseline', JSON.stringify(base));
  // A connector online for the whole part: does its ConnectorDO hibernate between beats?
  const conn = await startProc([join(ROOT, 'src/cli/edgehub.mjs'), 'connect', '--name', 'idle-probe'], {
    env: { EDGEHUB_URL: dev.url, NO_COLOR: '1' },
    ready: async (o) => /assignment \(config version \d+\)/.test(o),
    timeoutMs: 30_000,
  });
  const curve = [];
  const streams = [];
  try {
    for (const N of quick ? [100] : [10, 100, 1000]) {
      const times = [0, 5, 10, 20, 30, 40, 50, ...(N >= 1000 ? [70, 150] : [])];
      streams.push(await idleSize({ dev, mcp, probe, N, times, curve, out, row, check }));
    }
    // Close every open stream: those sessions are then idle too and must go.
    const closedAt = performance.now();
    await Promise.all(streams.map((s) => s.close()));
    await sleep(Math.max(0, closedAt + CLOSED_WAIT_MS - performance.now()));
    const end = await probe.sample();
    out.push({ stage: 'idle-streams-closed', afterS: CLOSED_WAIT_MS / 1000, classes: JSON.stringify(end.classes), heapMb: end.heapMb });
    log(`${CLOSED_WAIT_MS / 1000} s after closing every stream`, JSON.stringify(end));
    check(
      `idle: every session is evicted within ${CLOSED_WAIT_MS / 1000} s of its stream's close`,
      (end.classes.SessionDO ?? 0) === 0,
      JSON.stringify(end.classes),
    );
  } finally {
    await Promise.all(streams.map((s) => s.close()));
    await conn.stop();
    probe.close();
  }
  // Sessions are left registered (abandoned, as most are): waking all of them to DELETE would undo
  // what was measured, and the dev server stops after this part.
  await writeCurve('idle', curve, { x: 'seconds idle', y: '% of the cohort live / MB (see series)', title: 'Idle sessions: live objects and heap (workerd)' });
}
