// AUTH_MODE=oauth pieces inside workerd: the claims → identity mapping (tenant claim, admins by
// subject or verified email), metadata-document validation and fetch limits (size cap, redirects
// refused, private addresses refused unless allowed, records written to and removed from KV),
// return-path safety, user ids, settings problems, and the routes' behaviour outside oauth mode
// or when misconfigured. The whole flow with a real provider is test/e2e/oauth.test.ts.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import app from '../../src/index';
import { CIMD_MAX_BYTES, CimdError, clientRecord, ensureCimdClient, isCimdClientId } from '../../src/oauth/cimd';
import { grantScopes } from '../../src/oauth/grants';
import { identityFromClaims, MAX_CLAIMS_BYTES } from '../../src/oauth/identity';
import { userIdOf } from '../../src/oauth/server';
import { safeReturnTo } from '../../src/oauth/session';
import { readOAuthSettings } from '../../src/oauth/settings';

const kv = (env as unknown as { OAUTH_KV: KVNamespace }).OAUTH_KV;
const base = { PUBLIC_URL: 'https://hub.example.com', OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'edgehub', OAUTH_KV: kv };

describe('identity from ID-token claims', () => {
  const settings = (extra: Record<string, string> = {}) => readOAuthSettings({ ...base, ...extra });

  it('default tenant and default scopes without a tenant claim; admin by verified email or by subject', () => {
    const s = settings({ OAUTH_ADMINS: 'Boss@Example.com, root-sub' });
    const plain = identityFromClaims({ sub: 'u1', email: 'u1@example.com' }, s);
    expect(plain).toEqual({ ok: true, identity: expect.objectContaining({ sub: 'u1', tenant: 'default', scopes: ['mcp:read', 'mcp:call'] }) });
    const byEmail = identityFromClaims({ sub: 'u2', email: 'boss@example.com', email_verified: true }, s);
    expect(byEmail.ok && byEmail.identity.scopes).toContain('admin');
    const bySub = identityFromClaims({ sub: 'root-sub' }, s);
    expect(bySub.ok && bySub.identity.scopes).toContain('admin');
    // An unverified email never grants admin.
    const unverified = identityFromClaims({ sub: 'u3', email: 'boss@example.com', email_verified: false }, s);
    expect(unverified.ok && unverified.identity.scopes).not.toContain('admin');
  });

  it('tenant from the named claim: a string, the first string of an array, a nested path; refused when missing or invalid', () => {
    const s = settings({ OIDC_TENANT_CLAIM: 'org' });
    expect(identityFromClaims({ sub: 'a', org: 'acme' }, s)).toMatchObject({ ok: true, identity: { tenant: 'acme' } });
    expect(identityFromClaims({ sub: 'a', org: ['/globex', 'x'] }, s)).toMatchObject({ ok: true, identity: { tenant: 'globex' } });
    expect(identityFromClaims({ sub: 'a', app: { org: 'initech' } }, settings({ OIDC_TENANT_CLAIM: 'app.org' }))).toMatchObject({
      ok: true,
      identity: { tenant: 'initech' },
    });
    const missing = identityFromClaims({ sub: 'a' }, s);
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.message).toContain("'org'");
    expect(identityFromClaims({ sub: 'a', org: 'Not A Tenant!' }, s).ok).toBe(false);
    expect(identityFromClaims({ org: 'acme' }, s).ok).toBe(false); // no sub
  });

  it("claims for policies: the ID token's, less those about the token itself, cut to whole values within 4 KiB", () => {
    const r = identityFromClaims(
      { sub: 'u1', iss: 'https://idp', aud: 'edgehub', nonce: 'n', at_hash: 'h', exp: 1, iat: 1, dept: 'finance', groups: ['eng'], amr: ['mfa'] },
      settings(),
    );
    expect(r.ok && r.identity.claims).toEqual({ sub: 'u1', dept: 'finance', groups: ['eng'], amr: ['mfa'] });
    const huge = identityFromClaims({ sub: 'u2', groups: Array.from({ length: 500 }, (_, i) => `group-${i}`), dept: 'legal' }, settings());
    const kept = huge.ok ? huge.identity.claims : undefined;
    expect(kept).toEqual({ sub: 'u2', dept: 'legal' });
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(MAX_CLAIMS_BYTES);
  });

  it('OAUTH_ALLOWED limits who may sign in: subjects, verified emails, @domains', () => {
    const s = settings({ OAUTH_ALLOWED: 'ops-bot, Ann@Other.example, @Example.com' });
    expect(identityFromClaims({ sub: 'x', email: 'joe@example.com' }, s).ok).toBe(true);
    expect(identityFromClaims({ sub: 'x', email: 'ann@other.example' }, s).ok).toBe(true);
    expect(identityFromClaims({ sub: 'ops-bot' }, s).ok).toBe(true);
    const refused = identityFromClaims({ sub: 'y', email: 'eve@evil.example' }, s);
    expect(!refused.ok && refused.message).toContain('OAUTH_ALLOWED');
    expect(identityFromClaims({ sub: 'y', email: 'joe@example.com', email_verified: false }, s).ok).toBe(false);
  });

  it('OAUTH_DEFAULT_SCOPES never hands out admin by itself', () => {
    const s = settings({ OAUTH_DEFAULT_SCOPES: 'mcp:read admin' });
    expect(s.defaultScopes).toEqual(['mcp:read']);
  });
});

describe('scopes an app gets', () => {
  const who = { sub: 'a', tenant: 'acme', scopes: ['mcp:read', 'mcp:call'] };
  it('what it asked for within what the person may grant; everything they may when it asked nothing', () => {
    expect(grantScopes(['mcp:read'], who)).toEqual({ scopes: ['mcp:read'], refused: [] });
    expect(grantScopes(['mcp:read', 'admin'], who)).toEqual({ scopes: ['mcp:read'], refused: ['admin'] });
    expect(grantScopes([], who)).toEqual({ scopes: ['mcp:read', 'mcp:call'], refused: [] });
    expect(grantScopes(['offline_access'], who)).toEqual({ scopes: ['mcp:read', 'mcp:call'], refused: [] });
    expect(grantScopes(['admin'], who)).toEqual({ scopes: [], refused: ['admin'] });
  });
});

describe('settings', () => {
  it('names each missing piece', () => {
    const s = readOAuthSettings({});
    expect(s.problems.join('\n')).toMatch(/PUBLIC_URL is not set[\s\S]*OIDC_ISSUER[\s\S]*OIDC_CLIENT_ID[\s\S]*OAUTH_KV/);
    expect(readOAuthSettings({ ...base, PUBLIC_URL: 'https://hub.example.com/sub' }).problems[0]).toContain('is not an origin');
    expect(readOAuthSettings(base).problems).toEqual([]);
  });

  it('user ids hold no `:` (the library lists grants by `grant:<userId>:` prefix)', () => {
    expect(userIdOf({ tenant: 'acme', sub: 'x:y' })).toBe('acme.x%3Ay');
    expect(userIdOf({ tenant: 'acme', sub: 'https://idp.example/users/1' })).not.toContain(':');
  });

  it('only local paths are return targets', () => {
    expect(safeReturnTo('/authorize?client_id=a', '/admin')).toBe('/authorize?client_id=a');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '', null])
      expect(safeReturnTo(bad, '/admin')).toBe('/admin');
  });
});

describe('Client ID Metadata Documents', () => {
  const url = 'https://app.example.com/oauth/client.json';
  const doc = { client_id: url, client_name: 'App', redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1:3000/cb'] };
  const serve =
    (body: string, init: ResponseInit = {}) =>
    async () =>
      new Response(body, { headers: { 'content-type': 'application/json' }, ...init });

  it('which client ids are documents', () => {
    expect(isCimdClientId(url, false)).toBe(true);
    expect(isCimdClientId('https://app.example.com/', false)).toBe(false);
    expect(isCimdClientId('http://127.0.0.1:1234/client.json', false)).toBe(false);
    expect(isCimdClientId('http://127.0.0.1:1234/client.json', true)).toBe(true);
    expect(isCimdClientId('a1b2c3', true)).toBe(false);
  });

  it('a valid document becomes a public client record with its redirect_uris; an invalid one is refused', () => {
    expect(clientRecord(url, doc)).toMatchObject({ clientId: url, redirectUris: doc.redirect_uris, tokenEndpointAuthMethod: 'none', clientName: 'App' });
    expect(() => clientRecord(url, { ...doc, client_id: 'https://other.example/c.json' })).toThrow(CimdError);
    expect(() => clientRecord(url, { ...doc, redirect_uris: [] })).toThrow(/redirect_uris/);
    expect(() => clientRecord(url, { ...doc, redirect_uris: ['http://evil.example/cb'] })).toThrow(/redirect_uris/);
    expect(() => clientRecord(url, { ...doc, redirect_uris: ['https://app.example.com/cb#frag'] })).toThrow(/redirect_uris/);
    expect(() => clientRecord(url, { ...doc, token_endpoint_auth_method: 'private_key_jwt' })).toThrow(/'none'/);
  });

  it('is fetched through the guard, size-capped, never redirected; the KV record follows the document', async () => {
    const id = `${url}?t=${Date.now()}`.replace('?', '/x');
    const good = { ...doc, client_id: id };
    await ensureCimdClient(kv, id, false, serve(JSON.stringify(good)));
    expect(await kv.get(`client:${id}`, 'json')).toMatchObject({ clientId: id, redirectUris: good.redirect_uris });

    const big = `${id}-big`;
    const padded = JSON.stringify({ ...good, client_id: big, client_name: 'x'.repeat(CIMD_MAX_BYTES) });
    await expect(ensureCimdClient(kv, big, false, serve(padded))).rejects.toThrow(/larger than 5120 bytes/);
    expect(await kv.get(`client:${big}`)).toBeNull();

    const moved = `${id}-moved`;
    await expect(ensureCimdClient(kv, moved, false, serve('', { status: 302, headers: { location: 'https://app.example.com/elsewhere' } }))).rejects.toThrow(
      CimdError,
    );
    await expect(ensureCimdClient(kv, 'https://127.0.0.1/client.json', false, serve(JSON.stringify(good)))).rejects.toThrow(/private/);
    await expect(ensureCimdClient(kv, 'https://10.0.0.1/client.json', false, serve('{}'))).rejects.toThrow(/private/);
  });
});

describe('routes outside oauth mode, and a misconfigured oauth mode', () => {
  const call = (path: string, vars: Record<string, unknown>, init?: RequestInit) =>
    app.fetch(new Request(`https://hub.example.com${path}`, init), { ...env, ...vars } as unknown as Env, createExecutionContext());

  it('jwt and dev-open modes have no /authorize, /token or AS metadata', async () => {
    for (const mode of ['jwt', 'dev-open']) {
      expect((await call('/authorize?client_id=x', { AUTH_MODE: mode })).status).toBe(404);
      expect((await call('/token', { AUTH_MODE: mode }, { method: 'POST' })).status).toBe(404);
      expect((await call('/.well-known/oauth-authorization-server', { AUTH_MODE: mode })).status).toBe(404);
    }
  });

  it('oauth mode without OIDC settings says what to set, on the routes and in the 401', async () => {
    const r = await call('/authorize?client_id=x', { AUTH_MODE: 'oauth', PUBLIC_URL: 'https://hub.example.com', OIDC_ISSUER: '' });
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('OIDC_ISSUER is not set');
    const mcp = await call('/mcp', { AUTH_MODE: 'oauth', PUBLIC_URL: 'https://hub.example.com', OIDC_ISSUER: '' }, { method: 'POST', body: '{}' });
    expect(mcp.status).toBe(401);
    expect(await mcp.text()).toContain('sign-in is not configured');
  });

  it('dynamic registration is open but bounded per client address (429 past 60 a minute)', async () => {
    const body = JSON.stringify({ client_name: 'r', redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' });
    const statuses: number[] = [];
    for (let i = 0; i < 62; i++) {
      const r = await call(
        '/register',
        { AUTH_MODE: 'oauth', ...base },
        { method: 'POST', body, headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' } },
      );
      statuses.push(r.status);
      await r.body?.cancel();
    }
    expect(statuses.slice(0, 60).every((s) => s === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not affected.
    const other = await call(
      '/register',
      { AUTH_MODE: 'oauth', ...base },
      { method: 'POST', body, headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.10' } },
    );
    expect(other.status).toBe(201);
  });

  it('oauth mode publishes RFC 8414 metadata for PUBLIC_URL', async () => {
    const r = await call('/.well-known/oauth-authorization-server', { AUTH_MODE: 'oauth', ...base });
    expect(r.status).toBe(200);
    const m = (await r.json()) as Record<string, unknown>;
    expect(m).toMatchObject({ issuer: base.PUBLIC_URL, token_endpoint: `${base.PUBLIC_URL}/token`, client_id_metadata_document_supported: true });
    expect(m.protected_resources).toEqual([base.PUBLIC_URL, `${base.PUBLIC_URL}/mcp`]);
  });
});
