/**
 * Helpers of the tool-integrity and policy e2e suites (test/e2e/trust-*.test.ts): the fixture
 * upstream whose definitions a test changes (test/fixtures/trust-server.mjs), and one stateless
 * 2026-07-28 request with its headers matching the body, read back from JSON or SSE.
 */
import { join } from 'node:path';
import { type Proc, startNode } from './procs';
import { ROOT } from './wrangler';

export function startTrustFixture(): Promise<Proc> {
  return startNode(join(ROOT, 'test', 'fixtures', 'trust-server.mjs'), ['--port', '{port}'], { ready: (_p, out) => /LISTENING \d+/.test(out) });
}

/** POST /control on the fixture (see its header); returns its tools. */
export function controlTrustFixture(p: Proc, body: unknown): Promise<{ tools: { name: string; description?: string }[] }> {
  return fetch(`${p.url}/control`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
}

/** One 2026-07-28 request; `status` is the HTTP status, the rest the JSON-RPC reply. */
export async function modernRequest(
  url: string,
  headers: Record<string, string>,
  method: string,
  params: Record<string, unknown> = {},
  clientCapabilities: Record<string, unknown> = {},
): Promise<{ status: number; result?: any; error?: any }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': clientCapabilities },
      },
    }),
  });
  const text = await r.text();
  const json = text.startsWith('{') ? text : (text.split('\n').find((l) => l.startsWith('data: {') && l.includes('"id":1')) ?? '').slice(6);
  return { status: r.status, ...JSON.parse(json) };
}
