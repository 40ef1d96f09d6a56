// Where a forwarded call's CPU goes: V8 CPU profiles of the edgehub isolate (Worker + its Durable
// Objects share it under wrangler dev), taken through wrangler dev's inspector (Chrome DevTools
// Protocol) while the bench drives one kind of request at a time. Each sample's self time is
// attributed to the module it ran in: the bundle keeps esbuild's `// src/…` and
// `// node_modules/…` markers, so a line number maps back to its source module. Native frames
// (fetch, streams, JSON, structured clone, GC) have no script and count as "runtime".
// Called by run.mjs as `run({ dev, row, quick, results })`; its rows are diagnostics, not targets.
import WebSocket from 'ws';
import { measure, round, startFixture } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';

const log = (...a) => console.error('[bench:profile]', ...a);

async function cdp(inspectorUrl) {
  const targets = await (await fetch(`${inspectorUrl}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl && !/ProxyWorker|InspectorProxy/i.test(t.title ?? ''));
  if (!target) throw new Error(`no inspector target at ${inspectorUrl}/json: ${JSON.stringify(targets)}`);
  // `ws`, not the global WebSocket: wrangler's inspector proxy refuses the latter's handshake.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 512 * 1024 * 1024 });
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', (e) => rej(new Error(`inspector websocket failed: ${e.message}`)));
  });
  let id = 0;
  const waiting = new Map();
  const scripts = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.method === 'Debugger.scriptParsed') scripts.set(m.params.scriptId, m.params.url);
    const w = m.id !== undefined && waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.rej(new Error(`${JSON.stringify(m.error)}`));
    else w.res(m.result);
  });
  const send = (method, params = {}) =>
    new Promise((res, rej) => {
      const k = ++id;
      waiting.set(k, { res, rej });
      ws.send(JSON.stringify({ id: k, method, params }));
    });
  return { send, scripts, close: () => ws.close(), title: target.title };
}

/** Line → module path, from the bundle's `// path` markers. */
async function moduleMap(session, scriptId) {
  const { scriptSource } = await session.send('Debugger.getScriptSource', { scriptId });
  const marks = [];
  scriptSource.split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:src|node_modules|\.\.\/)[^\s]*\.[cm]?[jt]sx?)$/.exec(line);
    if (m) marks.push([i, m[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let best = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        best = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  };
}

function groupOf(path) {
  if (path.startsWith('src/')) return `edgehub ${path.split('/').slice(0, 2).join('/')}`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? m[1] : path;
}

async function attribute(session, profile, maps) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((nodeId, i) => self.set(nodeId, (self.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groups = new Map();
  const fns = new Map();
  for (const [nodeId, us] of self) {
    const f = byId.get(nodeId).callFrame;
    let group;
    let where;
    if (f.functionName === '(idle)') group = '(idle)';
    else if (f.functionName === '(garbage collector)') group = 'runtime: GC';
    else if (f.functionName === '(program)' || f.functionName === '(root)') group = 'runtime: native (I/O, streams, RPC, parsing)';
    else if (!f.url && f.scriptId === '0') group = 'runtime: native (I/O, streams, RPC, parsing)';
    else {
      if (!maps.has(f.scriptId)) maps.set(f.scriptId, await moduleMap(session, f.scriptId).catch(() => () => f.url || '(script)'));
      where = maps.get(f.scriptId)(f.lineNumber);
      group =
        f.url.includes('node_modules') || where.startsWith('node_modules') || where.startsWith('src/')
          ? groupOf(where)
          : `runtime: built-in JS (${f.url || 'anonymous'})`;
    }
    groups.set(group, (groups.get(group) ?? 0) + us);
    if (where) {
      const key = `${f.functionName || '(anonymous)'} — ${where}`;
      fns.set(key, (fns.get(key) ?? 0) + us);
    }
  }
  return { groups, fns };
}

export async function run({ dev, row, quick, results }) {
  if (!dev.inspectorUrl) throw new Error('profile: wrangler dev has no inspector port');
  const N = quick ? 100 : 400;
  const fx = await startFixture('profile');
  const mcp = `${dev.url}/mcp`;
  let session;
  try {
    session = await cdp(dev.inspectorUrl);
    await fetch(`${dev.url}/admin/api/servers/pf`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: `${fx.url}/mcp`, prefix: 'pf' }),
    });
    const sid = await openSession(mcp);
    // The debugger (needed for script sources) is enabled only after profiling: it cannot skew the samples.
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 200 });
    const maps = new Map();
    const kinds = [
      ['floor: GET /health', () => fetch(`${dev.url}/health`).then((r) => r.text())],
      ['forwarded tools/call, legacy lane', () => legacy(mcp, sid, 'tools/call', { name: 'pf_whoami', arguments: {} })],
      ['forwarded tools/call, modern lane', () => modern(mcp, 'tools/call', { name: 'pf_whoami', arguments: {} })],
    ];
    const taken = [];
    for (const [name, op] of kinds) {
      for (let i = 0; i < 30; i++) await op(); // warm: connections, JIT
      await session.send('Profiler.start');
      const m = await measure(op, { count: N, warmup: 0 });
      const { profile } = await session.send('Profiler.stop');
      taken.push({ name, m, profile });
    }
    await session.send('Debugger.enable');
    const out = [];
    for (const { name, m, profile } of taken) {
      const { groups, fns } = await attribute(session, profile, maps);
      const busy = [...groups].filter(([g]) => g !== '(idle)').reduce((a, [, us]) => a + us, 0);
      const perOp = (us) => round(us / 1000 / N);
      const groupRows = [...groups]
        .filter(([g]) => g !== '(idle)')
        .sort((a, b) => b[1] - a[1])
        .map(([g, us]) => ({ group: g, msPerOp: perOp(us) }));
      const top = [...fns]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([f, us]) => ({ fn: f, msPerOp: perOp(us) }));
      const ours = groupRows.filter((g) => g.group.startsWith('edgehub')).reduce((a, g) => a + g.msPerOp, 0);
      out.push({ name, p50: m.p50, busyMsPerOp: perOp(busy), edgehubMsPerOp: round(ours), groups: groupRows, top });
      log(`${name}: isolate busy ${perOp(busy)} ms/op, edgehub code ${round(ours)} ms/op`);
    }
    results.profile = { target: session.title, samplingIntervalUs: 200, ops: N, kinds: out };
    for (const k of out)
      row(
        'profile',
        `${k.name}: isolate busy ms/op (samples in edgehub's own modules ${k.edgehubMsPerOp} ms/op)`,
        { p50: k.p50, p99: '', rps: '', concurrency: 1 },
        { cpuMsPerOp: k.busyMsPerOp },
      );
  } finally {
    session?.close();
    await fetch(`${dev.url}/admin/api/servers/pf`, { method: 'DELETE' }).catch(() => {});
    await fx.stop();
  }
}

/** Markdown for results.profile (appended by run.mjs). */
export function profileMarkdown(p) {
  if (!p) return [];
  const lines = [
    '',
    "## Profile: where a call spends the isolate's CPU",
    '',
    `V8 sampling profiler via wrangler dev's inspector (target "${p.target}", ${p.samplingIntervalUs} µs interval, ${p.ops} sequential calls each). ms per call; idle excluded. Samples are taken on the wall clock: a frame on top while the thread waits for a core (2 shared cores) or runs native code it called (stream reads, RPC, fetch) is charged that time, so read the split as where to look, and the hops section for CPU.`,
    '',
  ];
  for (const k of p.kinds) {
    lines.push(`### ${k.name} — ${k.busyMsPerOp} ms busy per call (p50 ${k.p50} ms)`, '', '| module group | ms/op |', '|---|---:|');
    for (const g of k.groups.slice(0, 12)) lines.push(`| ${g.group} | ${g.msPerOp} |`);
    lines.push('', '| hottest functions (self time) | ms/op |', '|---|---:|');
    for (const t of k.top) lines.push(`| ${t.fn.replace(/\|/g, '\\|')} | ${t.msPerOp} |`);
    lines.push('');
  }
  return lines;
}
