/**
 * Raw JSON-RPC over both MCP lanes for e2e tests that compare replies byte for byte (the SDK
 * clients parse and re-shape results): a legacy session (initialize + Mcp-Session-Id) and the
 * stateless modern lane (2026-07-28 `_meta` envelope and headers).
 */
const J = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** The final JSON-RPC message of a JSON or SSE reply, as the exact text the server sent. */
export async function finalText(r: Response): Promise<string> {
  const text = await r.text();
  if (!(r.headers.get('content-type') ?? '').includes('text/event-stream')) return text;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const d = line.slice(5).trim();
    if (d && /"(result|error)"/.test(d)) {
      const m = JSON.parse(d);
      if ('result' in m || 'error' in m) return d;
    }
  }
  throw new Error(`no response in stream: ${text.slice(0, 300)}`);
}

export interface Lane {
  name: 'legacy' | 'modern';
  /** Sends one request with this id; resolves with the final message's text and the HTTP status. */
  send(method: string, params: Record<string, unknown>, id?: number): Promise<{ status: number; text: string; json: any }>;
}

export async function legacyLane(url: string, headers: Record<string, string> = {}): Promise<Lane> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { ...J, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
    }),
  });
  const sid = r.headers.get('mcp-session-id');
  const body = await r.text();
  if (!sid) throw new Error(`initialize failed: ${r.status} ${body}`);
  const h = { ...J, ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((x) => x.text());
  return {
    name: 'legacy',
    async send(method, params, id = 1) {
      const res = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
      const text = await finalText(res);
      return { status: res.status, text, json: JSON.parse(text) };
    },
  };
}

export function modernLane(url: string, headers: Record<string, string> = {}): Lane {
  return {
    name: 'modern',
    async send(method, params, id = 1) {
      const h: Record<string, string> = { ...J, ...headers, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
      if (method === 'tools/call') h['mcp-name'] = String(params.name);
      const res = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } }) });
      const text = await finalText(res);
      return { status: res.status, text, json: JSON.parse(text) };
    },
  };
}

export const lanes = (url: string, headers: Record<string, string> = {}) => [() => legacyLane(url, headers), async () => modernLane(url, headers)] as const;
