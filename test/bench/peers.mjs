// Peer comparison: the npm aggregator mcp-hub in front of the same fixture upstream, measured
// side by side with edgehub, both driven by the official SDK client (mcp-hub serves legacy SSE).
// Interleaved rounds (lib.mjs): direct, mcp-hub and edgehub take turns, so drift hits all alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { clients, freePort, interleave, ROOT, startFixture, startProc } from './lib.mjs';

export async function run({ dev, row, check, quick }) {
  const fx = await startFixture('peer');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-hub-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ mcpServers: { fx: { url: `${fx.url}/mcp` } } }));
  const hub = await startProc([join(ROOT, 'node_modules/mcp-hub/dist/cli.js'), '--port', String(port), '--config', join(dir, 'config.json')], {
    env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_STATE_HOME: dir, XDG_DATA_HOME: dir },
    ready: async (out) => /servers started successfully/.test(out),
  });
  await fetch(`${dev.url}/admin/api/servers/peerfx`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri: `${fx.url}/mcp`, prefix: 'peerfx' }),
  });
  try {
    for (const c of [1, 16]) {
      const count = Math.max(20, Math.round((c === 1 ? 200 : 320) * (quick ? 0.25 : 1)));
      const direct = await clients(c, () => new StreamableHTTPClientTransport(new URL(`${fx.url}/mcp`)));
      const peers = await clients(c, () => new SSEClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      const ours = await clients(c, () => new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`)));
      const { d, p, e } = await interleave(
        [
          ['d', (w) => direct[w].callTool({ name: 'whoami', arguments: {} })],
          ['p', (w) => peers[w].callTool({ name: 'fx__whoami', arguments: {} })],
          ['e', (w) => ours[w].callTool({ name: 'peerfx_whoami', arguments: {} })],
        ],
        { concurrency: c, count },
      );
      row('peer', 'direct fixture (SDK client)', d);
      row('peer', 'mcp-hub 4.2.1 forwarded tools/call (SDK client, SSE)', p);
      row('peer', 'edgehub forwarded tools/call (SDK client, legacy lane)', e);
      check(`c=${c} edgehub ahead of mcp-hub on forwarded p50`, e.p50 <= p.p50, `${e.p50} ms vs mcp-hub ${p.p50} ms (direct ${d.p50} ms)`);
      await Promise.all([...direct, ...peers, ...ours].map((x) => x.close().catch(() => {})));
    }
  } finally {
    await fetch(`${dev.url}/admin/api/servers/peerfx`, { method: 'DELETE' }).catch(() => {});
    await hub.stop();
    await fx.stop();
  }
}
