/**
 * Small raw-HTTP MCP helpers for tests inside workerd (no SDK: these tests check the wire).
 */
import { exports } from 'cloudflare:workers';

export const BASE = 'http://127.0.0.1:8787';
export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/mcp', { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
};

export async function openSession(capabilities: Record<string, unknown> = {}): Promise<string> {
  const r = await post({ ...INIT, params: { ...INIT.params, capabilities } });
  if (r.status !== 200) throw new Error(`initialize failed: ${r.status} ${await r.text()}`);
  const id = r.headers.get('mcp-session-id');
  if (!id) throw new Error('no session id');
  await r.text();
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id });
  return id;
}

let nextId = 100;
export async function request(session: string, method: string, params?: Record<string, unknown>): Promise<any> {
  const r = await post({ jsonrpc: '2.0', id: nextId++, method, ...(params ? { params } : {}) }, { 'mcp-session-id': session });
  return readResponse(r);
}

/** Reads a JSON or SSE reply and returns the final JSON-RPC response (with `events` = all messages). */
export async function readResponse(r: Response): Promise<any> {
  const type = r.headers.get('content-type') ?? '';
  const text = await r.text();
  if (!type.includes('text/event-stream')) return JSON.parse(text);
  const events = parseSse(text).map((e) => JSON.parse(e.data));
  const final = events.find((m) => 'result' in m || 'error' in m);
  return { ...final, events };
}

export function parseSse(text: string): { id?: string; data: string }[] {
  const out: { id?: string; data: string }[] = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length && data.join('').trim()) out.push({ id, data: data.join('\n') });
  }
  return out;
}
