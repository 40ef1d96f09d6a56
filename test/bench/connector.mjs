// Connector overhead: a forwarded tools/call through `edgehub connect` against the same trivial
// server (test/bench/echo-server.mjs) reached four ways, all driven by the SDK 1.x client
// (one session per worker), side by side in interleaved rounds (lib.mjs):
//   conn     edgehub (legacy lane: SessionDO) → the session's channel (its own WebSocket) →
//            connector CLI → child over stdio (the ConnectorDO only opens the session)
//   stdio    SDK client → the server over stdio directly (no edgehub)
//   edgeHttp edgehub (legacy lane) → the server over Streamable HTTP (an ordinary HTTP upstream)
//   http     SDK client → the server over Streamable HTTP directly
// The target, "overhead ≤ 1 ms p50 beyond an HTTP upstream's", is checked as
//   p50(conn) − p50(stdio) ≤ p50(edgeHttp) − p50(http) + 1 ms
// i.e. what edgehub adds in front of a stdio server through a connector, against what it adds in
// front of the same server over HTTP. Called by run.mjs as `run({ dev, row, check, quick })`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pollUntil } from '../helpers/poll.mjs';
import { platform } from './connector-platform.mjs';
import { clients, cpuMeter, descendants, interleave, ROOT, round, startProc } from './lib.mjs';

const FIX = join(ROOT, 'test/bench/echo-server.mjs');
const CLI = join(ROOT, 'src/cli/edgehub.mjs');
const NAME = 'bench-conn';
const log = (...a) => console.error('[bench:connector]', ...a);

async function admin(base, method, path, body) {
  const r = await fetch(`${base}/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

const until = (what, f, ms = 30_000) => pollUntil(what, f, { ms, intervalMs: 250 });

export async function run({ dev, row, check, quick }) {
  // The same hops on the bare platform first (connector-platform.mjs): what the structure costs.
  // A failure there (a bare-Worker hiccup on a loaded machine) is reported, not fatal to the rest.
  if (process.env.BENCH_CONNECTOR_PLATFORM !== '0')
    await platform({ row, check, quick }).catch((e) => check('bare platform section ran', false, String(e?.message ?? e).slice(0, 300)));
  if (process.env.BENCH_CONNECTOR_EDGEHUB === '0') return;
  const mcp = new URL(`${dev.url}/mcp`);
  const http = await startProc([FIX, '--port', '0'], { ready: async (o) => /LISTENING \d+/.test(o) });
  const upstream = new URL(`http://127.0.0.1:${/LISTENING (\d+)/.exec(http.output())[1]}/mcp`);
  let conn = null;
  let children = [];
  const open = [];
  try {
    await admin(dev.url, 'PUT', '/servers/bhttp', { uri: upstream.href, prefix: 'bh' });
    // Mounted while its connector is away ("waiting for connector"), as the e2e test does.
    await admin(dev.url, 'PUT', '/servers/bstdio', { command: process.execPath, args: [FIX], prefix: 'bs', transport: { connector: NAME } });
    conn = await startProc([CLI, 'connect', '--name', NAME], {
      env: { EDGEHUB_URL: dev.url, NO_COLOR: '1' },
      ready: async (o) => /assignment \(config version \d+\): .*bstdio/.test(o),
      timeoutMs: 30_000,
    });
    const probe = await clients(1, () => new StreamableHTTPClientTransport(mcp));
    open.push(...probe);
    await until('bs_echo through the connector', async () => (await probe[0].listTools()).tools.some((t) => t.name === 'bs_echo'));

    const args = { message: 'hi' };
    const edgeTree = () => [dev.proc.pid, ...descendants(dev.proc.pid)];
    for (const c of quick ? [1] : [1, 8]) {
      const count = Math.max(20, Math.round((c === 1 ? 400 : 800) * (quick ? 0.25 : 1)));
      const [ec, sc, hc, dc] = await Promise.all([
        clients(c, () => new StreamableHTTPClientTransport(mcp)),
        clients(c, () => new StdioClientTransport({ command: process.execPath, args: [FIX], stderr: 'ignore' })),
        clients(c, () => new StreamableHTTPClientTransport(mcp)),
        clients(c, () => new StreamableHTTPClientTransport(upstream)),
      ]);
      open.push(...ec, ...sc, ...hc, ...dc);
      const call = (cs, name) => async (w) => {
        const r = await cs[w].callTool({ name, arguments: args });
        if (r.isError || r.content?.[0]?.text !== 'Echo: hi') throw new Error(`${name}: ${JSON.stringify(r).slice(0, 300)}`);
      };
      const meter = cpuMeter(() => ({ edge: edgeTree(), connector: [conn.proc.pid] }));
      const m = await interleave(
        [
          ['conn', call(ec, 'bs_echo')],
          ['stdio', call(sc, 'echo')],
          ['edgeHttp', call(hc, 'bh_echo')],
          ['http', call(dc, 'echo')],
        ],
        { concurrency: c, count, warmup: c === 1 ? 30 : 2 * c, rounds: 4, hooks: meter },
      );
      const cpu = (k) => meter.perOp(k);
      const cc = cpu('conn');
      const ch = cpu('edgeHttp');
      row('connector', `edgehub → connector → child over stdio, tools/call (legacy lane; CPU ms/op: edge tree ${cc.edge}, connector ${cc.connector})`, m.conn, {
        cpuMsPerOp: round(cc.edge + cc.connector),
      });
      row('connector', 'direct: the same server over stdio (SDK client)', m.stdio);
      row('connector', `edgehub → the same server over Streamable HTTP, tools/call (legacy lane; CPU ms/op: edge tree ${ch.edge})`, m.edgeHttp, {
        cpuMsPerOp: ch.edge,
      });
      row('connector', 'direct: the same server over Streamable HTTP (SDK client)', m.http);
      const viaConn = round(m.conn.p50 - m.stdio.p50);
      const viaHttp = round(m.edgeHttp.p50 - m.http.p50);
      check(
        `c=${c} connector overhead ≤ HTTP upstream overhead + 1 ms p50: p50(edgehub→connector→stdio) − p50(stdio direct) ≤ p50(edgehub→HTTP) − p50(HTTP direct) + 1 ms`,
        viaConn <= viaHttp + 1,
        `${viaConn} ms (${m.conn.p50} − ${m.stdio.p50}) vs ${viaHttp} ms (${m.edgeHttp.p50} − ${m.http.p50}) + 1 ms; p50(edgehub→connector→stdio) − p50(edgehub→HTTP) = ${round(m.conn.p50 - m.edgeHttp.p50)} ms`,
      );
      await Promise.all([...ec, ...sc, ...hc, ...dc].map((x) => x.close().catch(() => {})));
      open.length = 0;
      open.push(...probe);
    }
    log('done');
  } finally {
    await Promise.all(open.map((x) => x.close().catch(() => {})));
    for (const s of ['bstdio', 'bhttp']) await admin(dev.url, 'DELETE', `/servers/${s}`).catch(() => {});
    if (conn) {
      children = descendants(conn.proc.pid);
      await conn.stop();
      // The connector stops its children itself; any it left behind are ours to stop, by PID.
      for (const pid of children) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(FIX)) process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await http.stop();
  }
}
