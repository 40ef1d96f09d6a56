// The auth matrix through the real Worker (Hono app, SessionDO, ConfigDO) inside workerd, in jwt
// mode: the shared vitest config binds AUTH_MODE=dev-open, so these tests call the app with an
// env whose auth vars are overridden (same DO namespaces, same storage).

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import app from '../../src/index';
import { authenticate } from '../../src/middleware/auth';
import { INIT, JSON_HEADERS, readResponse } from '../helpers/rpc';
import { bearer, createMinter, type Minter, TEST_ISSUER } from '../helpers/tokens';

const ORIGIN = 'https://hub.example';
const AUD = `${ORIGIN}/mcp`;
const METADATA = `${ORIGIN}/.well-known/oauth-protected-resource/mcp`;

let rs: Minter, es: Minter, stranger: Minter;
let jwtEnv: Record<string, unknown>;
const seen: string[] = []; // every response (headers + body), searched for tokens at the end
const minted: string[] = [];

beforeAll(async () => {
  [rs, es, stranger] = await Promise.all([
    createMinter({ alg: 'RS256', audience: AUD }),
    createMinter({ alg: 'ES256', audience: AUD }),
    createMinter({ alg: 'RS256', audience: AUD }),
  ]);
  jwtEnv = {
    ...env,
    AUTH_MODE: 'jwt',
    AUTH_PUBLIC_KEY: `${rs.keys.publicPem}\n${es.keys.publicPem}`,
    AUTH_ISSUER: TEST_ISSUER,
    PUBLIC_URL: ORIGIN,
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
  };
});

async function token(m: Minter, req: Parameters<Minter['token']>[0] = {}): Promise<string> {
  const t = await m.token(req);
  minted.push(t);
  return t;
}

async function hit(path: string, init: RequestInit = {}, over: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, init), { ...jwtEnv, ...over } as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.clone().text();
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
  return res;
}

const mcpPost = (body: unknown, headers: Record<string, string> = {}, over?: Record<string, unknown>) =>
  hit('/mcp', { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) }, over);

async function initSession(auth: Record<string, string>): Promise<string> {
  const r = await mcpPost(INIT, auth);
  expect(r.status, await r.clone().text()).toBe(200);
  const sid = r.headers.get('mcp-session-id')!;
  await mcpPost({ jsonrpc: '2.0', method: 'notifications/initialized' }, { ...auth, 'mcp-session-id': sid });
  return sid;
}

let nextId = 1000;
const rpcCall = (sid: string, method: string, auth: Record<string, string>, params?: unknown) =>
  mcpPost({ jsonrpc: '2.0', id: nextId++, method, ...(params ? { params } : {}) }, { ...auth, 'mcp-session-id': sid });

/** The three protected surfaces, each with a request and the scope it needs. */
const SURFACES = [
  { name: '/mcp', scope: 'mcp:read', req: () => ({ path: '/mcp', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) } }) },
  { name: '/admin/api', scope: 'admin', req: () => ({ path: '/admin/api/servers', init: { method: 'GET' } }) },
  { name: '/git', scope: 'mcp:read', req: () => ({ path: '/git/demo/info/refs?service=git-upload-pack', init: { method: 'GET' } }) },
] as const;

function withAuth(init: RequestInit, auth: Record<string, string>): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), ...auth } };
}

const now = () => Math.floor(Date.now() / 1000);

describe('auth matrix (jwt mode)', () => {
  const bad: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ['malformed token', async () => ({ authorization: 'Bearer not.a.jwt!' }), /expired|well-formed/],
    ['empty Bearer', async () => ({ authorization: 'Bearer ' }), /malformed/],
    ['two tokens', async () => ({ authorization: `Bearer ${await token(rs)} ${await token(rs)}` }), /malformed/],
    ['bad signature', async () => bearer(await token(stranger)), /signature/],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await token(rs)).split('.');
        const p = btoa(JSON.stringify({ iss: TEST_ISSUER, aud: AUD, sub: 'root', scope: 'admin mcp:read mcp:call', exp: now() + 600 }))
          .replace(/=+$/, '')
          .replace(/\+/g, '-')
          .replace(/\//g, '_');
        return bearer(`${h}.${p}.${s}`);
      },
      /signature/,
    ],
    ['expired', async () => bearer(await token(rs, { exp: now() - 300 })), /expired/],
    ['not yet valid', async () => bearer(await token(rs, { nbf: now() + 3600 })), /not valid yet/],
    ['wrong issuer', async () => bearer(await token(rs, { iss: 'https://evil.example' })), /issuer/],
    ['wrong audience', async () => bearer(await token(rs, { aud: 'https://other.example/mcp' })), /resource \(aud\)/],
    ['invalid tenant', async () => bearer(await token(rs, { tenant: 'Other/../x' })), /tenant/],
  ];

  for (const s of SURFACES) {
    describe(s.name, () => {
      it('no token → 401 with the resource_metadata challenge and no error code', async () => {
        const { path, init } = s.req();
        const r = await hit(path, init);
        expect(r.status).toBe(401);
        const ch = r.headers.get('www-authenticate')!;
        expect(ch).toMatch(new RegExp(`^Bearer .*resource_metadata="${METADATA}"`));
        expect(ch).not.toMatch(/error=/);
        if (s.name === '/git') expect(ch).toMatch(/Basic realm="edgehub"/);
        if (s.name === '/mcp') expect(((await r.json()) as any).error.code).toBe(-32001);
      });

      for (const [name, auth, message] of bad)
        it(`${name} → 401 invalid_token`, async () => {
          const { path, init } = s.req();
          const r = await hit(path, withAuth(init, await auth()));
          expect(r.status).toBe(401);
          const ch = r.headers.get('www-authenticate')!;
          expect(ch).toMatch(/^Bearer error="invalid_token"/);
          expect(ch).toContain(`resource_metadata="${METADATA}"`);
          expect(await r.text()).toMatch(message);
        });

      it('missing scope → 403 insufficient_scope naming the scope', async () => {
        const { path, init } = s.req();
        const scope = ['mcp:read', 'mcp:call', 'admin'].filter((x) => x !== s.scope).join(' ');
        const r = await hit(path, withAuth(init, bearer(await token(rs, { scope }))));
        expect(r.status).toBe(403);
        expect(r.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer error="insufficient_scope", scope="${s.scope}"`));
        expect(await r.text()).toContain(s.scope);
      });

      it('a valid token passes (RS256 and ES256)', async () => {
        for (const m of [rs, es]) {
          const { path, init } = s.req();
          const r = await hit(path, withAuth(init, bearer(await token(m, { scope: s.scope }))));
          // /git: past auth, the repository 'demo' does not exist in this tenant → 404 (never 401/403).
          expect(r.status, await r.clone().text()).toBe(s.name === '/git' ? 404 : 200);
        }
      });
    });
  }

  it('git push needs mcp:call; git clients may send the token as Basic password or user', async () => {
    const read = await token(rs, { scope: 'mcp:read' });
    const push = await hit('/git/demo/info/refs?service=git-receive-pack', { headers: bearer(read) });
    expect(push.status).toBe(403);
    expect(push.headers.get('www-authenticate')).toMatch(/scope="mcp:call"/);
    const post = await hit('/git/demo/git-receive-pack', { method: 'POST', headers: bearer(read) });
    expect(post.status).toBe(403);
    expect((await hit('/git/demo/info/refs?service=git-upload-pack', { headers: { authorization: `Basic ${btoa(`x:${read}`)}` } })).status).toBe(404);
    expect((await hit('/git/demo/info/refs?service=git-upload-pack', { headers: { authorization: `Basic ${btoa(`${read}:`)}` } })).status).toBe(404);
    const wrongPw = await hit('/git/demo/info/refs', { headers: { authorization: `Basic ${btoa('x:hunter2')}` } });
    expect(wrongPw.status).toBe(401);
    expect(wrongPw.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('Basic credentials on /mcp are not credentials (401 without error code)', async () => {
    const r = await mcpPost(INIT, { authorization: `Basic ${btoa(`x:${await token(rs)}`)}` });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).not.toMatch(/error=/);
  });

  it('every path under the protected prefixes is refused without a token (no route escapes auth)', async () => {
    const DASHBOARD = ['/admin', '/admin/', '/admin/sessions', '/admin/audit', '/admin/servers/x/enable', '/admin/check', '/admin/ui'];
    for (const p of [
      '/mcp',
      '/mcp/',
      '/admin/api',
      '/admin/api/',
      '/admin/api/config',
      '/admin/api/sessions',
      '/admin/api/servers/x',
      '/git',
      '/git/',
      '/git/x/y/z',
      '/git/r/info/refs',
      ...DASHBOARD,
    ])
      for (const method of ['GET', 'POST', 'DELETE', 'PUT']) {
        const r = await hit(p, { method, headers: JSON_HEADERS, body: method === 'GET' ? undefined : '{}' });
        const text = await r.text();
        if (p === '/mcp/')
          expect(r.status, `${method} ${p}`).toBe(404); // matches no route at all (strict routing)
        else if (DASHBOARD.includes(p)) {
          // Dashboard pages answer a browser without a token with the login page (303) or a refusal — never content.
          expect([303, 401, 403, 404], `${method} ${p} → ${r.status}`).toContain(r.status);
          if (r.status === 303) expect(r.headers.get('location')).toMatch(/\/admin\/login/);
          expect(text).not.toMatch(/only-in-b|"servers"/);
        } else expect(r.status, `${method} ${p}`).toBe(401);
      }
  });

  it('with no key configured every request is refused with what to configure', async () => {
    const r = await mcpPost(INIT, bearer(await token(rs)), { AUTH_PUBLIC_KEY: undefined, AUTH_JWKS_URL: '' });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(((await r.json()) as any).error.message).toMatch(/AUTH_PUBLIC_KEY.*AUTH_JWKS_URL/);
    const noIssuer = await hit('/admin/api/servers', { headers: bearer(await token(rs)) }, { AUTH_ISSUER: '' });
    expect(noIssuer.status).toBe(401);
    expect(await noIssuer.text()).toMatch(/AUTH_ISSUER/);
    const typo = await hit('/admin/api/servers', {}, { AUTH_MODE: 'dev_open' });
    expect(typo.status).toBe(401);
  });

  it('a private key configured by mistake refuses everything and is never echoed', async () => {
    const r = await mcpPost(INIT, bearer(await token(rs)), { AUTH_PUBLIC_KEY: rs.keys.privatePem });
    expect(r.status).toBe(401);
    const text = await r.text();
    expect(text).toMatch(/private key/);
    expect(text).not.toContain(rs.keys.privatePem.split('\n')[2]);
  });
});

describe('MCP scopes at the transport', () => {
  it('mcp:read alone: initialize, lists, ping, server/discover work', async () => {
    const auth = bearer(await token(rs, { sub: 'reader', scope: 'mcp:read' }));
    const sid = await initSession(auth);
    const list = await readResponse(await rpcCall(sid, 'tools/list', auth));
    expect(list.result.tools.map((t: any) => t.name)).toContain('hub_status');
    expect((await readResponse(await rpcCall(sid, 'ping', auth))).result).toEqual({});
    const discover = await mcpPost(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      },
      { ...auth, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
    );
    expect(discover.status).toBe(200);
  });

  it('mcp:call without mcp:read cannot use the endpoint at all (scopes do not imply each other)', async () => {
    const r = await mcpPost(INIT, bearer(await token(rs, { scope: 'mcp:call admin' })));
    expect(r.status).toBe(403);
  });

  it('mcp:read alone may call read-only tools', async () => {
    const auth = bearer(await token(rs, { sub: 'reader2', scope: 'mcp:read' }));
    const sid = await initSession(auth);
    const r = await readResponse(await rpcCall(sid, 'tools/call', auth, { name: 'hub_list_servers', arguments: {} }));
    expect(r.result.isError).toBeFalsy();
  });

  it('mcp:read alone cannot call a tool that is not read-only (proxy): 403 insufficient_scope from the gateway', async () => {
    const auth = bearer(await token(rs, { sub: 'reader3', scope: 'mcp:read' }));
    const sid = await initSession(auth);
    const r = await readResponse(await rpcCall(sid, 'tools/call', auth, { name: 'proxy', arguments: { action: 'list', type: 'tool' } }));
    expect(r.error?.code).toBe(-32011);
    expect(r.error?.data?.requiredScope).toBe('mcp:call');
    const callerAuth = bearer(await token(rs, { sub: 'caller3', scope: 'mcp:read mcp:call' }));
    const callerSid = await initSession(callerAuth);
    const ok = await readResponse(await rpcCall(callerSid, 'tools/call', callerAuth, { name: 'proxy', arguments: { action: 'list', type: 'tool' } }));
    expect(ok.error).toBeUndefined();
  });

  // Sessions are never authentication: each request runs with its own token's scopes.
  it('a session opened with admin, used with a token without admin, cannot call admin tools', async () => {
    const sid = await initSession(bearer(await token(rs, { sub: 'downgrade' })));
    const weaker = bearer(await token(rs, { sub: 'downgrade', scope: 'mcp:read mcp:call' }));
    const r = await readResponse(await rpcCall(sid, 'tools/call', weaker, { name: 'hub_reload_config', arguments: {} }));
    expect(r.result.isError).toBe(true);
  });

  it('mutating hub tools need admin even with mcp:call', async () => {
    const auth = bearer(await token(rs, { sub: 'caller', scope: 'mcp:read mcp:call' }));
    const sid = await initSession(auth);
    const r = await readResponse(await rpcCall(sid, 'tools/call', auth, { name: 'hub_reload_config', arguments: {} }));
    expect(r.result.isError).toBe(true);
    expect(r.result.content[0].text).toMatch(/admin/);
  });
});

describe('sessions are bound to their principal', () => {
  it('a session opened by alice is 404 for bob (POST, GET, DELETE) and keeps working for alice', async () => {
    const alice = bearer(await token(rs, { sub: 'alice' }));
    const bob = bearer(await token(rs, { sub: 'bob' }));
    const sid = await initSession(alice);
    expect((await rpcCall(sid, 'ping', bob)).status).toBe(404);
    expect((await rpcCall(sid, 'tools/list', bob)).status).toBe(404);
    expect((await hit('/mcp', { method: 'GET', headers: { ...bob, accept: 'text/event-stream', 'mcp-session-id': sid } })).status).toBe(404);
    expect((await hit('/mcp', { method: 'DELETE', headers: { ...bob, 'mcp-session-id': sid } })).status).toBe(404);
    // bob's own, different key type: still 404.
    expect((await rpcCall(sid, 'ping', bearer(await token(es, { sub: 'bob' })))).status).toBe(404);
    expect((await readResponse(await rpcCall(sid, 'ping', alice))).result).toEqual({});
    // A fresh token for alice (a refresh) keeps the session: the binding is sub + tenant, not the token.
    expect((await readResponse(await rpcCall(sid, 'ping', bearer(await token(es, { sub: 'alice' }))))).result).toEqual({});
  });

  it('the same sub in another tenant is another principal: 404', async () => {
    const sid = await initSession(bearer(await token(rs, { sub: 'carol', tenant: 'acme' })));
    expect((await rpcCall(sid, 'ping', bearer(await token(rs, { sub: 'carol', tenant: 'globex' })))).status).toBe(404);
    expect((await rpcCall(sid, 'ping', bearer(await token(rs, { sub: 'carol' })))).status).toBe(404); // tenant "default"
    expect((await readResponse(await rpcCall(sid, 'ping', bearer(await token(rs, { sub: 'carol', tenant: 'acme' }))))).result).toEqual({});
  });
});

describe('tenants are isolated', () => {
  it("tenant A's admin API never shows, changes or deletes tenant B's servers", async () => {
    const a = bearer(await token(rs, { sub: 'admin-a', tenant: 'tenant-a' }));
    const b = bearer(await token(rs, { sub: 'admin-b', tenant: 'tenant-b' }));
    const put = await hit('/admin/api/servers/only-in-b?check=false', {
      method: 'PUT',
      headers: { ...b, 'content-type': 'application/json' },
      body: JSON.stringify({ uri: 'https://upstream.example/mcp', enabled: false, transport: { headers: { 'x-api-key': 'literal-secret-b' } } }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const listB = (await (await hit('/admin/api/servers', { headers: b })).json()) as any;
    expect(listB.servers.map((s: any) => s.name)).toContain('only-in-b');
    const listA = (await (await hit('/admin/api/servers', { headers: a })).json()) as any;
    expect(listA.servers.map((s: any) => s.name)).not.toContain('only-in-b');
    expect((await hit('/admin/api/servers/only-in-b', { headers: a })).status).toBe(404);
    expect(JSON.stringify(await (await hit('/admin/api/config', { headers: a })).json())).not.toContain('only-in-b');
    expect((await hit('/admin/api/servers/only-in-b', { method: 'DELETE', headers: a })).status).toBe(404);
    expect((await hit('/admin/api/servers/only-in-b/enable?check=false', { method: 'POST', headers: a })).status).toBe(404);
    // B's server survived A's attempts, and B's own read redacts the literal secret.
    const again = await hit('/admin/api/servers/only-in-b', { headers: b });
    expect(again.status).toBe(200);
    expect(await again.text()).not.toContain('literal-secret-b');
    // Sessions: A's admin sessions list does not show B's sessions.
    const sidB = await initSession(b);
    expect(JSON.stringify(await (await hit('/admin/api/sessions', { headers: a })).json())).not.toContain(sidB);
    expect(JSON.stringify(await (await hit('/admin/api/sessions', { headers: b })).json())).toContain(sidB);
    // hub tools in A's session see A's config only.
    const sidA = await initSession(a);
    const servers = await readResponse(await rpcCall(sidA, 'tools/call', a, { name: 'hub_list_servers', arguments: {} }));
    expect(JSON.stringify(servers)).not.toContain('only-in-b');
  });
});

describe('git repositories are per tenant', () => {
  it('a repository created in tenant A is 404 over /git and invisible to git tools for tenant B', async () => {
    const a = bearer(await token(rs, { sub: 'dev-a', tenant: 'git-a', scope: 'mcp:read mcp:call' }));
    const b = bearer(await token(rs, { sub: 'dev-b', tenant: 'git-b', scope: 'mcp:read mcp:call' }));
    const repo = `iso-${crypto.randomUUID().slice(0, 8)}`;
    const sidA = await initSession(a);
    for (const [name, args] of [
      ['git_init', { repo_path: repo }],
      ['git_write_file', { repo_path: repo, path: 'secret.txt', content: 'tenant-a-only' }],
      ['git_add', { repo_path: repo, files: ['secret.txt'] }],
      ['git_commit', { repo_path: repo, message: 'a' }],
    ] as const) {
      const r = await readResponse(await rpcCall(sidA, 'tools/call', a, { name, arguments: args }));
      expect(r.result?.isError, JSON.stringify(r).slice(0, 300)).toBeFalsy();
    }
    const refs = `/git/${repo}/info/refs?service=git-upload-pack`;
    expect((await hit(refs, { headers: a })).status).toBe(200);
    expect((await hit(refs, { headers: b })).status).toBe(404);
    expect((await hit(refs, { headers: { authorization: `Basic ${btoa(`x:${b.authorization.slice(7)}`)}` } })).status).toBe(404);
    const sidB = await initSession(b);
    const read = await readResponse(await rpcCall(sidB, 'tools/call', b, { name: 'git_read_file', arguments: { repo_path: repo, path: 'secret.txt' } }));
    expect(JSON.stringify(read)).not.toContain('tenant-a-only');
    const list = await readResponse(await rpcCall(sidB, 'tools/call', b, { name: 'git_list_repos', arguments: {} }));
    expect(JSON.stringify(list)).not.toContain(repo);
  });
});

describe('dev-open mode', () => {
  it('the auth middleware itself refuses non-loopback Host or Origin (second check behind originGuard)', async () => {
    const bare = new Hono<{ Bindings: Env }>().use('*', authenticate()).get('*', (c) => c.text('ok'));
    const devEnv = { AUTH_MODE: 'dev-open' } as unknown as Env;
    const get = (url: string, headers: Record<string, string> = {}) => bare.fetch(new Request(url, { headers }), devEnv);
    expect((await get('http://127.0.0.1:8787/x')).status).toBe(200);
    expect((await get('http://localhost:8787/x', { origin: 'http://localhost:3000' })).status).toBe(200);
    expect((await get('http://[::1]:8787/x')).status).toBe(200);
    expect((await get('http://hub.example/x')).status).toBe(403);
    expect((await get('http://127.0.0.1:8787/x', { host: 'hub.example' })).status).toBe(403);
    expect((await get('http://127.0.0.1:8787/x', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await get('http://127.0.0.1.nip.io/x')).status).toBe(403);
  });

  it('the full app in dev-open refuses a public Host', async () => {
    const r = await app.fetch(new Request(`${ORIGIN}/admin/api/servers`), { ...env, AUTH_MODE: 'dev-open' } as unknown as Env, createExecutionContext());
    expect(r.status).toBe(403);
  });
});

describe('CORS in jwt mode', () => {
  const APP = 'https://inspector.example';
  const over = { ALLOWED_ORIGINS: APP };
  it('a preflight needs no token; a 401 challenge is readable by the allowed origin', async () => {
    const pre = await hit(
      '/mcp',
      { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } },
      over,
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const r = await mcpPost(INIT, { origin: APP }, over);
    expect(r.status).toBe(401);
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
    expect(r.headers.get('access-control-expose-headers')?.toLowerCase()).toMatch(/www-authenticate/);
    expect(r.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
  });
  it('an origin not in ALLOWED_ORIGINS gets no Allow-Origin, with or without a token', async () => {
    const pre = await hit('/mcp', { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' } }, over);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await mcpPost(INIT, { origin: 'https://other.example', ...bearer(await token(rs)) }, over);
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('RFC 9728 protected resource metadata', () => {
  it('is served at the root and path forms', async () => {
    for (const p of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const r = await hit(p, {}, { AUTH_AUTHORIZATION_SERVERS: 'https://as.example' });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({
        resource: AUD,
        authorization_servers: ['https://as.example'],
        scopes_supported: ['mcp:read', 'mcp:call', 'admin', 'connector'],
        bearer_methods_supported: ['header'],
        resource_name: 'edgehub',
      });
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('uses AUTH_AUDIENCE and the issuer (when a URL) by default; the challenge points at it', async () => {
    const over = { AUTH_AUDIENCE: 'https://edge.example.com/mcp', AUTH_ISSUER: 'https://login.example.com/' };
    const meta = (await (await hit('/.well-known/oauth-protected-resource/mcp', {}, over)).json()) as any;
    expect(meta.resource).toBe('https://edge.example.com/mcp');
    expect(meta.authorization_servers).toEqual(['https://login.example.com/']);
    const r = await mcpPost(INIT, {}, over);
    expect(r.headers.get('www-authenticate')).toContain('resource_metadata="https://edge.example.com/.well-known/oauth-protected-resource/mcp"');
  });
});

describe('rate limits per principal', () => {
  it('429 with Retry-After past the limit; other principals unaffected', async () => {
    const over = { RATE_LIMIT_PER_MINUTE: '3' };
    const dave = bearer(await token(rs, { sub: 'dave-rl' }));
    const erin = bearer(await token(rs, { sub: 'erin-rl' }));
    for (let i = 0; i < 3; i++) expect((await hit('/admin/api/servers', { headers: dave }, over)).status).toBe(200);
    const limited = await hit('/admin/api/servers', { headers: dave }, over);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const mcp = await mcpPost(INIT, dave, over);
    expect(mcp.status).toBe(429);
    expect(((await mcp.json()) as any).jsonrpc).toBe('2.0');
    expect((await hit('/admin/api/servers', { headers: erin }, over)).status).toBe(200);
    // Refused requests (401) do not consume a principal's budget: there is no principal.
    expect((await hit('/admin/api/servers', {}, over)).status).toBe(401);
  });

  it('consults the RATE_LIMITER binding when one is declared', async () => {
    const keys: string[] = [];
    const RATE_LIMITER = {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        return { success: false };
      },
    };
    const r = await hit(
      '/admin/api/servers',
      { headers: bearer(await token(rs, { sub: 'frank-rl', tenant: 'acme' })) },
      { RATE_LIMITER, RATE_LIMIT_PER_MINUTE: '100' },
    );
    expect(r.status).toBe(429);
    expect(keys).toEqual(['acme\u0000frank-rl']);
    const broken = { limit: async () => Promise.reject(new Error('binding down')) };
    expect(
      (await hit('/admin/api/servers', { headers: bearer(await token(rs, { sub: 'gina-rl' })) }, { RATE_LIMITER: broken, RATE_LIMIT_PER_MINUTE: '100' }))
        .status,
    ).toBe(200);
  });
});

describe('secrets', () => {
  it('no response in this file ever contained a presented token', () => {
    expect(minted.length).toBeGreaterThan(50);
    const all = seen.join('\n');
    for (const t of minted) {
      expect(all.includes(t)).toBe(false);
      expect(all.includes(t.split('.')[2])).toBe(false); // not even the signature part
    }
    expect(all).not.toContain('literal-secret-b');
  });
});
