// Raw-HTTP MCP clients for benchmarks (no SDK overhead in the measurement).
const J = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
let seq = 1;

export async function rpcResult(res) {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const d = line.slice(5).trim();
    if (!d) continue;
    const m = JSON.parse(d);
    if ('result' in m || 'error' in m) return m;
  }
  throw new Error('no response in stream');
}

export async function openSession(url) {
  const r = await fetch(url, {
    method: 'POST',
    headers: J,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: seq++,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    }),
  });
  const sid = r.headers.get('mcp-session-id');
  await r.text();
  await fetch(url, {
    method: 'POST',
    headers: { ...J, 'mcp-session-id': sid },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  }).then((x) => x.text());
  return sid;
}

export async function legacy(url, sid, method, params = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { ...J, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: seq++, method, params }),
  });
  const m = await rpcResult(r);
  if (m.error) throw new Error(`${method}: ${m.error.message}`);
  return m.result;
}

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

export async function modern(url, method, params = {}) {
  const headers = { ...J, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  if (method === 'tools/call') headers['mcp-name'] = params.name;
  const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: seq++, method, params: { ...params, _meta: META } }) });
  const m = await rpcResult(r);
  if (m.error) throw new Error(`${method}: ${m.error.message}`);
  return m.result;
}
