// The legacy lane (MCP 2025-06-18 / 2025-11-25 Streamable HTTP) through the real Worker and
// SessionDO, inside workerd.

import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/mcp/session-store';
import { call, INIT, JSON_HEADERS, openSession, parseSse, post, request } from '../helpers/rpc';
import { textReader } from '../helpers/text-stream';

describe('session lifecycle', () => {
  it('initialize returns a random session id and the negotiated version', async () => {
    const r1 = await post(INIT);
    const r2 = await post(INIT);
    expect(r1.status).toBe(200);
    const body = (await r1.json()) as any;
    expect(body.result.protocolVersion).toBe('2025-11-25');
    expect(body.result.serverInfo.name).toBe('edgehub');
    expect(body.result.capabilities.tools).toEqual({ listChanged: true });
    const a = r1.headers.get('mcp-session-id');
    const b = r2.headers.get('mcp-session-id');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('negotiates down to the latest supported version for an unknown one', async () => {
    const r = await post({ ...INIT, params: { ...INIT.params, protocolVersion: '2099-01-01' } });
    expect(((await r.json()) as any).result.protocolVersion).toBe('2025-11-25');
  });

  it('a request without a session id is 400; an unknown session is 404', async () => {
    const missing = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.message).toMatch(/Mcp-Session-Id/);
    const unknown = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'f'.repeat(32) });
    expect(unknown.status).toBe(404);
    const garbage = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': '../../etc' });
    expect(garbage.status).toBe(404);
  });

  it('DELETE ends the session; later requests get 404 and its storage is gone', async () => {
    const sid = await openSession();
    expect((await request(sid, 'ping')).result).toEqual({});
    const del = await call('/mcp', { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    expect(del.status).toBe(200);
    const after = await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': sid });
    expect(after.status).toBe(404);
    const again = await call('/mcp', { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    expect(again.status).toBe(404);
  });

  it('survives eviction of its Durable Object: same session, same state', async () => {
    const sid = await openSession();
    expect((await request(sid, 'logging/setLevel', { level: 'warning' })).result).toEqual({});
    const stub = env.SESSION.get(env.SESSION.idFromName(`default:${sid}`));
    await evictDurableObject(stub);
    // In-memory state is gone; the session must come back from SQLite, bound to the same principal.
    const list = await request(sid, 'tools/list');
    expect(list.result.tools.map((t: any) => t.name)).toContain('hub_status');
    const level = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ v: string }>(`SELECT v FROM session WHERE k = 'state'`).one().v);
    expect(JSON.parse(level).logLevel).toBe('warning');
  });

  // An idle session is evicted from memory after ~10 s (workerd; docs/capacity.md, "Idle sessions"):
  // everything a client relies on must come back from storage on its next request.
  it('an idle (evicted) session answers its next request from storage: calls, principal binding, replay', async () => {
    const sid = await openSession();
    expect((await request(sid, 'tools/list')).result.tools.length).toBeGreaterThan(0);
    const stub = env.SESSION.get(env.SESSION.idFromName(`default:${sid}`));
    const ids = await runInDurableObject(stub, (_o, state) => {
      const store = new SessionStore(state.storage);
      return [1, 2, 3].map((i) => store.appendEvent('get', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: `e${i}` } })));
    });

    // The first request after eviction comes from another principal: the binding is read back from
    // storage and refuses it (404, as if the session did not exist), for the same sub in another
    // tenant too.
    await evictDurableObject(stub);
    const ping = { jsonrpc: '2.0', id: 7, method: 'ping' } as const;
    expect((await stub.post({ sub: 'intruder', tenant: 'default', scopes: ['mcp', 'admin'] }, ping, false)).status).toBe(404);
    expect((await stub.post({ sub: 'dev', tenant: 'other', scopes: ['mcp', 'admin'] }, ping, false)).status).toBe(404);

    await evictDurableObject(stub);
    const res = await request(sid, 'tools/call', { name: 'hub_status', arguments: {} });
    expect(res.result.isError).toBeFalsy();
    expect(res.result.structuredContent.configVersion).toBeGreaterThanOrEqual(1);
    expect((await request(sid, 'ping')).result).toEqual({});

    // Last-Event-ID replay after eviction: the events stored before it, after the given id.
    await evictDurableObject(stub);
    const ac = new AbortController();
    const r = await call('/mcp', {
      method: 'GET',
      signal: ac.signal,
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': ids[0] },
    });
    expect(r.status).toBe(200);
    const text = await textReader(r.body!).until('e3');
    ac.abort();
    const replayed = parseSse(text).filter((e) => e.id !== undefined);
    expect(replayed.map((e) => [e.id, JSON.parse(e.data).params.data])).toEqual([
      [ids[1], 'e2'],
      [ids[2], 'e3'],
    ]);
  });

  it('rejects an unsupported MCP-Protocol-Version header with 400', async () => {
    const sid = await openSession();
    const r = await post({ jsonrpc: '2.0', id: 9, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' });
    expect(r.status).toBe(400);
  });
});

describe('methods', () => {
  it('ping, logging/setLevel (validated), unknown method', async () => {
    const sid = await openSession();
    expect((await request(sid, 'ping')).result).toEqual({});
    expect((await request(sid, 'logging/setLevel', { level: 'debug' })).result).toEqual({});
    const bad = await request(sid, 'logging/setLevel', { level: 'loud' });
    expect(bad.error.code).toBe(-32602);
    const unknown = await request(sid, 'no/such/method');
    expect(unknown.error.code).toBe(-32601);
  });

  it('tools/list shows hub_status and hub_status reports version, config version and servers', async () => {
    const sid = await openSession();
    const list = await request(sid, 'tools/list');
    const status = list.result.tools.find((t: any) => t.name === 'hub_status');
    expect(status.annotations.readOnlyHint).toBe(true);
    expect(list.result._meta['io.edgehub/configVersion']).toBeGreaterThanOrEqual(1);
    const res = await request(sid, 'tools/call', { name: 'hub_status', arguments: {} });
    const s = res.result.structuredContent;
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.configVersion).toBe(list.result._meta['io.edgehub/configVersion']);
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(s.uptimeSeconds).toBeLessThan(3600);
    expect(s.servers.map((x: any) => x.name)).toContain('git');
    expect(JSON.parse(res.result.content[0].text)).toEqual(s);
  });

  it('calling an unknown tool is a protocol error naming the tool', async () => {
    const sid = await openSession();
    const res = await request(sid, 'tools/call', { name: 'nope_nothing', arguments: {} });
    expect(res.error.code).toBe(-32602);
    expect(res.error.message).toContain('nope_nothing');
  });

  it('bad params are -32602 with the failing field', async () => {
    const sid = await openSession();
    const res = await request(sid, 'tools/call', { arguments: {} });
    expect(res.error.code).toBe(-32602);
    expect(res.error.message).toContain('name');
  });

  it('notifications and responses are accepted with 202', async () => {
    const sid = await openSession();
    const n = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 12345 } }, { 'mcp-session-id': sid });
    expect(n.status).toBe(202);
    const resp = await post({ jsonrpc: '2.0', id: 'edgehub-999', result: {} }, { 'mcp-session-id': sid });
    expect(resp.status).toBe(202);
  });
});

describe('bad input never gets a 5xx', () => {
  it('malformed JSON → 400 / -32700', async () => {
    const r = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.code).toBe(-32700);
  });
  it('invalid JSON-RPC → 400 / -32600 with the reason', async () => {
    for (const body of [
      { id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: {}, method: 'ping' },
      [INIT],
      42,
      { jsonrpc: '2.0', id: 1, method: 'x', params: [1] },
    ]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      const j = (await r.json()) as any;
      expect(j.error.code).toBe(-32600);
      expect(j.error.message.length).toBeGreaterThan(10);
    }
  });
  it('a body over 4 MiB → 413 with a JSON-RPC error', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await post(big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as any).error.message).toMatch(/exceeds/);
  });
  it('wrong content type → 415', async () => {
    const r = await call('/mcp', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(r.status).toBe(415);
  });
});

describe('origin and host (DNS rebinding)', () => {
  it('refuses a foreign Origin with 403', async () => {
    const r = await post(INIT, { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
  });
  it('accepts a loopback Origin in dev-open mode', async () => {
    const r = await post(INIT, { origin: 'http://localhost:6274' });
    expect(r.status).toBe(200);
  });
  it('refuses a non-loopback Host in dev-open mode', async () => {
    const r = await exports.default.fetch(
      new Request('http://rebind.evil.example:8787/mcp', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) }),
    );
    expect(r.status).toBe(403);
    expect(((await r.json()) as any).error.message).toMatch(/loopback/);
  });
});

describe('CORS for browser clients (dev-open)', () => {
  const INSPECTOR = 'http://localhost:6274';
  const preflight = (origin: string) =>
    call('/mcp', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-session-id, mcp-protocol-version, mcp-param-region',
      },
    });
  it('answers a preflight from an allowed origin, echoing the requested headers', async () => {
    const r = await preflight(INSPECTOR);
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/mcp-session-id/);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/mcp-param-region/);
    expect(r.headers.get('vary')).toMatch(/Origin/);
  });
  it('lets an allowed origin read the session id of its reply', async () => {
    const r = await post(INIT, { origin: INSPECTOR });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(r.headers.get('access-control-expose-headers')?.toLowerCase()).toMatch(/mcp-session-id/);
  });
  it('grants nothing to a foreign origin: no Allow-Origin on the preflight, 403 on the request', async () => {
    const r = await preflight('https://evil.example');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const p = await post(INIT, { origin: 'https://evil.example' });
    expect(p.status).toBe(403);
    expect(p.headers.get('access-control-allow-origin')).toBeNull();
  });
  it('grants nothing on a Host the guard refuses, even to a loopback origin', async () => {
    const r = await call('/mcp', { method: 'OPTIONS', headers: { host: 'rebind.example', origin: INSPECTOR, 'access-control-request-method': 'POST' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request ids', () => {
  it('every response carries X-Request-Id; a sane inbound id is kept, a bad one replaced', async () => {
    const r1 = await call('/health');
    expect(r1.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const r2 = await call('/health', { headers: { 'x-request-id': 'trace-42' } });
    expect(r2.headers.get('x-request-id')).toBe('trace-42');
    const r3 = await call('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(r3.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

describe('health', () => {
  it('GET /health', async () => {
    const r = await call('/health');
    expect(await r.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
