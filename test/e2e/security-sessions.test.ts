// Attack: session and stream floods (jwt mode, two tenants). One principal opening sessions
// without end, or listen streams without end, must not grow the tenant's registry, DOs and
// fan-out without bound. Caps here are small (5 per principal, 8 per tenant, 2 listen streams
// per principal) so the suite stays fast; production defaults are 100 / 10,000 / 20.
// Before the fix one reader opened 12 sessions and all 12 stayed live, and 5 listen streams opened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, type Role, startJwtDev, type Tenant } from '../helpers/jwt-dev';

const PER_PRINCIPAL = 5;
const PER_TENANT = 8;
const LISTEN_PER_PRINCIPAL = 2;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'flood', version: '1' } },
};

let h: JwtDev;

beforeAll(async () => {
  h = await startJwtDev({
    vars: {
      MAX_SESSIONS_PER_PRINCIPAL: String(PER_PRINCIPAL),
      MAX_SESSIONS_PER_TENANT: String(PER_TENANT),
      MAX_LISTEN_STREAMS_PER_PRINCIPAL: String(LISTEN_PER_PRINCIPAL),
    },
  });
}, 180_000);
afterAll(() => h?.stop());

async function open(tenant: Tenant, role: Role) {
  const r = await h.fetch('/mcp', { method: 'POST', headers: { ...JSON_HEADERS, ...h.auth(tenant, role) }, body: JSON.stringify(INIT) });
  return { status: r.status, id: r.headers.get('mcp-session-id'), json: r.json, retryAfter: r.headers.get('retry-after') };
}

async function ping(tenant: Tenant, role: Role, sid: string) {
  const r = await h.fetch('/mcp', {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...h.auth(tenant, role), 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  });
  return r.status;
}

async function liveSessions(tenant: Tenant) {
  const r = await h.fetch('/admin/api/sessions', { headers: h.auth(tenant, 'admin') });
  expect(r.status, r.text).toBe(200);
  return (Array.isArray(r.json) ? r.json : r.json.sessions) as { sessionId: string; sub: string }[];
}

describe('session caps', () => {
  const mine: string[] = [];

  it(`one principal keeps at most ${PER_PRINCIPAL} live sessions: the least recently seen one is closed`, async () => {
    for (let i = 0; i < PER_PRINCIPAL + 7; i++) {
      const s = await open('acme', 'reader');
      expect(s.status, JSON.stringify(s.json)).toBe(200);
      mine.push(s.id!);
    }
    const live = (await liveSessions('acme')).filter((s) => s.sub === 'reader@acme');
    expect(live.length).toBe(PER_PRINCIPAL);
    expect(new Set(live.map((s) => s.sessionId))).toEqual(new Set(mine.slice(-PER_PRINCIPAL)));
    // The closed ones answer 404 (a client re-initializes), the kept ones work.
    for (const sid of mine.slice(0, 7)) expect(await ping('acme', 'reader', sid)).toBe(404);
    for (const sid of mine.slice(-PER_PRINCIPAL)) expect(await ping('acme', 'reader', sid)).toBe(200);
  });

  it(`the tenant holds at most ${PER_TENANT}: then initialize gets 429 with a message; other tenants are unaffected`, async () => {
    for (const role of ['caller'] as const) for (let i = 0; i < PER_TENANT - PER_PRINCIPAL; i++) expect((await open('acme', role)).status).toBe(200);
    const refused = await open('acme', 'admin');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('60');
    expect(refused.json.error.message).toMatch(/MAX_SESSIONS_PER_TENANT=8/);
    expect((await liveSessions('acme')).length).toBe(PER_TENANT);
    expect((await open('globex', 'reader')).status).toBe(200);
    // Ending a session frees a place.
    const sid = mine.at(-1)!;
    const del = await h.fetch('/mcp', { method: 'DELETE', headers: { ...h.auth('acme', 'reader'), 'mcp-session-id': sid } });
    expect(del.status).toBe(200);
    expect((await open('acme', 'admin')).status).toBe(200);
  });
});

describe('listen stream caps', () => {
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  function listen(tenant: Tenant, role: Role, ac: AbortController) {
    return fetch(`${h.base}/mcp`, {
      method: 'POST',
      signal: ac.signal,
      headers: { ...JSON_HEADERS, ...h.auth(tenant, role), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'subscriptions/listen', params: { _meta: meta, notifications: { toolsListChanged: true } } }),
    });
  }

  it(`one principal holds at most ${LISTEN_PER_PRINCIPAL} listen streams; closing one frees a place`, async () => {
    const acs = Array.from({ length: LISTEN_PER_PRINCIPAL }, () => new AbortController());
    for (const ac of acs) {
      const r = await listen('acme', 'reader', ac);
      expect(r.headers.get('content-type')).toContain('text/event-stream');
    }
    const over = await listen('acme', 'reader', new AbortController());
    expect(over.status).toBe(429);
    expect((await over.json()).error.message).toMatch(/MAX_LISTEN_STREAMS_PER_PRINCIPAL/);
    // Another principal of the same tenant is not affected.
    const other = new AbortController();
    expect((await listen('acme', 'caller', other)).status).toBe(200);
    other.abort();
    acs[0].abort();
    let again: Response | null = null;
    for (let i = 0; i < 50; i++) {
      again = await listen('acme', 'reader', new AbortController());
      if (again.status === 200) break;
      await again.body?.cancel();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(again?.status).toBe(200);
    await again?.body?.cancel();
    for (const ac of acs) ac.abort();
  });
});
