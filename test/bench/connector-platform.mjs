// The connector's hops on the platform alone, under the same kind of `wrangler dev`: the bare
// Worker (test/bench/bare-worker, no framework, no MCP) and a peer process (ws-peer.mjs) that
// answers a JSON-RPC request with an empty result over a raw HTTP server or over a WebSocket it
// dialled to the bare Worker's Relay DO (hibernation API, as `edgehub connect` dials its
// ConnectorDO with Node's global WebSocket). Cases, interleaved:
//   doEcho   Worker → DO (RPC), answered there                         (the legacy lane's floor)
//   doFetch  Worker → DO → fetch → peer over HTTP                       (an HTTP upstream's hops)
//   ws       Worker → DO → WebSocket frame → peer → frame back         (a session channel's hops)
//   doRpc    Worker → DO → RPC → second DO, answered there             (the second DO hop alone)
//   doStream   … its reply back on a byte stream returned once (edgehub's ConnectorTransport)
//   doCallback … its reply back as an RPC call of a function passed once
//   doWs     Worker → DO → RPC → second DO → WebSocket → peer → back   (the relay path's hops)
//   http     peer over HTTP directly (no edge)
// The target applied to these bare hops (a peer that answers at once, like a stdio server
// called directly, costs ~0): p50(ws) ≤ p50(doFetch) − p50(http) + 1 ms for a session channel's
// hops. The relay path (doWs, through a second DO) missed it in every run: that is why a legacy
// session's connector traffic takes a channel of its own.
import { join } from 'node:path';
import { roles } from './hops.mjs';
import { bareWorker, cpuMeter, interleave, ROOT, round, startProc } from './lib.mjs';

const log = (...a) => console.error('[bench:connector-platform]', ...a);
const J = { 'content-type': 'application/json', accept: 'application/json' };
let seq = 1;

async function post(url) {
  const id = seq++;
  const r = await fetch(url, { method: 'POST', headers: J, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping', params: {} }) });
  const m = await r.json();
  if (m.id !== id) throw new Error(`${url}: ${JSON.stringify(m).slice(0, 200)}`);
}

export async function platform({ row, check, quick }) {
  const bare = await bareWorker();
  const peer = await startProc([join(ROOT, 'test/bench/ws-peer.mjs'), '--ws', `${bare.url.replace(/^http/, 'ws')}/peer`], {
    ready: async (o) => /LISTENING \d+/.test(o) && o.includes('WS-OPEN'),
  });
  try {
    const direct = `http://127.0.0.1:${/LISTENING (\d+)/.exec(peer.output())[1]}/`;
    const cases = [
      ['doEcho', 'Worker → DO (RPC), answered there', () => post(`${bare.url}/do-echo`)],
      ['doFetch', 'Worker → DO → fetch → peer over HTTP (an HTTP upstream’s hops)', () => post(`${bare.url}/do?u=${encodeURIComponent(direct)}`)],
      ['ws', 'Worker → DO → WebSocket frame → peer → frame back (the frame hop alone)', () => post(`${bare.url}/ws`)],
      ['doRpc', 'Worker → DO → RPC → second DO, answered there (the second DO hop alone)', () => post(`${bare.url}/do-rpc`)],
      ['doStream', 'Worker → DO → RPC → second DO, the reply back on a stream it returned once (edgehub’s send + stream)', () => post(`${bare.url}/do-stream`)],
      ['doCallback', 'Worker → DO → RPC → second DO, the reply back as an RPC call of a function passed once', () => post(`${bare.url}/do-callback`)],
      ['doWs', 'Worker → DO → RPC → second DO → WebSocket → peer → back (the connector’s hops)', () => post(`${bare.url}/do-ws`)],
      ['http', 'peer over HTTP directly (raw node:http, no edge)', () => post(direct)],
    ];
    const tree = roles(bare);
    const meter = cpuMeter(() => ({ proxy: tree.proxy, runtime: tree.runtime, peer: [peer.proc.pid] }));
    const m = await interleave(
      cases.map(([k, , op]) => [k, op]),
      { count: quick ? 200 : 800, warmup: 50, rounds: 4, hooks: meter },
    );
    for (const [k, name] of cases) {
      const c = meter.perOp(k);
      row('connector-platform', `bare: ${name} — CPU ms/op: dev proxy ${c.proxy}, runtime ${c.runtime}, peer ${c.peer}`, m[k], {
        cpuMsPerOp: round(c.proxy + c.runtime),
      });
    }
    // The way back from the second DO, timed inside the first (no proxy, no client: less noise).
    const loops = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) loops.push(await (await fetch(`${bare.url}/do-loop?n=${quick ? 100 : 300}`, { method: 'POST' })).json());
    const med = (k) => round(loops.map((l) => l[k]).sort((a, b) => a - b)[Math.floor(loops.length / 2)]);
    m.loop = { rpc: med('rpc'), stream: med('stream'), callback: med('callback') };
    log('inside the DO, ms per round trip (median of runs):', JSON.stringify(m.loop), 'runs:', JSON.stringify(loops));
    const budget = round(m.doFetch.p50 - m.http.p50 + 1);
    check(
      'bare platform, c=1: a session channel’s hops within an HTTP upstream’s + 1 ms p50: p50(Worker→DO→WebSocket→peer) ≤ p50(Worker→DO→fetch→peer) − p50(peer direct) + 1 ms',
      m.ws.p50 <= budget,
      `${m.ws.p50} ms vs ${budget} ms (${m.doFetch.p50} − ${m.http.p50} + 1); the relay path through a second DO (stateless lane, connectors without channels): p50 ${m.doWs.p50} ms, ${round(m.doWs.p50 - budget)} ms over; second DO hop = ${round(m.doRpc.p50 - m.doEcho.p50)} ms; reply on a stream instead of the RPC's return: ${round(m.doStream.p50 - m.doRpc.p50)} ms, as a callback: ${round(m.doCallback.p50 - m.doRpc.p50)} ms; timed inside the DO (ms per round trip, median of runs): RPC return ${m.loop.rpc}, stream ${m.loop.stream}, callback ${m.loop.callback}`,
    );
    log('done');
    return m;
  } finally {
    await peer.stop();
  }
}
