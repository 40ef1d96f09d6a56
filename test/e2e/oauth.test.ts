// Sign-in for MCP clients (AUTH_MODE=oauth) end to end: our own `wrangler dev` as the OAuth 2.1
// authorization server, a real OpenID provider (oidc-provider, Node) on loopback with test users,
// and the official MCP SDK client whose OAuthClientProvider follows the authorization URL
// headlessly (provider login, edgehub consent, back to the client's redirect_uri). Once with
// dynamic registration, once with a Client ID Metadata Document served by this test on loopback.
// Then: refresh rotation, revocation → 401 with the RFC 9728 challenge, refusals (wrong PKCE
// verifier, foreign redirect_uri, foreign resource, replayed code, missing PKCE, unknown client,
// denied consent), tenant and admin from claims, provider down → 503 naming it, per-install grants
// of a metadata-document client, the SDK v2 client on the stateless lane, and in Chromium: the
// dashboard signing in through the provider, a consent page approved in the browser (its CSP lets
// the form's redirect reach the app), Connected apps and revoke.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessAuth, HeadlessBrowser } from '../helpers/headless-oauth';
import { type Idp, oauthModeVars, startIdp } from '../helpers/oidc-idp';
import { type DevServer, freePort, startDev } from '../helpers/wrangler';

let dev: DevServer;
let idp: Idp;
let base: string;
let cimd: Server;
let cimdUrl: string;
let cimdFetches = 0;
const REDIRECT = 'http://127.0.0.1:9/callback'; // never fetched: the browser stops at it
const REDIRECT2 = 'http://127.0.0.1:10/callback'; // a second install of the metadata-document client

const USERS = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice', org: 'acme', dept: 'finance' },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob', org: 'globex' },
  carol: { email: 'carol@example.com', email_verified: true, name: 'Carol', org: 'globex' },
  mallory: { email: 'mallory@example.com', email_verified: true, org: 'Not A Tenant!' },
};

beforeAll(async () => {
  const [edgePort, idpPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${edgePort}`;
  idp = await startIdp({ port: idpPort, redirectUri: `${base}/oauth/callback`, users: USERS });
  cimd = createServer((_req, res) => {
    cimdFetches++;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'max-age=300');
    res.end(JSON.stringify({ client_id: cimdUrl, client_name: 'CIMD e2e client', redirect_uris: [REDIRECT, REDIRECT2], token_endpoint_auth_method: 'none' }));
  });
  await new Promise<void>((r) => cimd.listen(0, '127.0.0.1', () => r()));
  cimdUrl = `http://127.0.0.1:${(cimd.address() as { port: number }).port}/oauth/client.json`;
  dev = await startDev({
    port: edgePort,
    vars: oauthModeVars(idp, base, 'alice@example.com, carol'),
  });
});

afterAll(async () => {
  if (process.env.OAUTH_E2E_DEBUG) (await import('node:fs')).writeFileSync(process.env.OAUTH_E2E_DEBUG, dev?.output() ?? '');
  await dev?.stop();
  await idp?.close();
  cimd?.close();
});

const mcpUrl = () => new URL(`${base}/mcp`);

/** The SDK's flow with a headless browser; resolves with the connected client and its provider. */
async function sdkConnect(browser: HeadlessBrowser, opts: { clientId?: string } = {}) {
  const provider = new HeadlessAuth(browser, REDIRECT, opts);
  const first = new Client({ name: 'e2e-oauth', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }))).rejects.toThrow(UnauthorizedError);
  expect(provider.code, `no code; last page: ${browser.lastPage.slice(0, 300)}`).toBeTruthy();
  const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
  await transport.finishAuth(provider.code!);
  const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
  return { client, provider };
}

async function toolsAndCall(client: Client) {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toContain('hub_status');
  const res = await client.callTool({ name: 'hub_status', arguments: {} });
  expect(res.isError).toBeFalsy();
  expect((res.structuredContent as { configVersion: number }).configVersion).toBeGreaterThanOrEqual(1);
}

// --- a hand-driven client, for the refusals -------------------------------------------------

function b64url(b: Buffer) {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
async function pkce() {
  const { createHash, randomBytes } = await import('node:crypto');
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

async function register(name = 'manual e2e client', redirectUris = [REDIRECT]): Promise<string> {
  const r = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  expect(r.status, await r.clone().text()).toBe(201);
  return ((await r.json()) as { client_id: string }).client_id;
}

function authorizeUrl(clientId: string, p: Record<string, string | undefined>) {
  const u = new URL(`${base}/authorize`);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge_method: 'S256', resource: base, state: 'st-123', ...p };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

async function token(form: Record<string, string>) {
  const r = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: r.status, json: (await r.json()) as Record<string, string> };
}

/** A full hand-driven authorization of `clientId` for the browser's user; the token response. */
async function codeFlow(browser: HeadlessBrowser, clientId: string, scope: string, redirect = REDIRECT) {
  const { verifier, challenge } = await pkce();
  const back = new URL(await browser.run(authorizeUrl(clientId, { code_challenge: challenge, scope, redirect_uri: redirect }), redirect));
  expect(back.searchParams.get('state')).toBe('st-123');
  const code = back.searchParams.get('code');
  expect(code, back.toString()).toBeTruthy();
  const t = await token({
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: redirect,
    code_verifier: verifier,
    client_id: clientId,
    resource: base,
  });
  expect(t.status, JSON.stringify(t.json)).toBe(200);
  return { clientId, ...t.json } as Record<string, string> & { clientId: string };
}

/** The same with a freshly registered client. */
async function tokensFor(browser: HeadlessBrowser, scope: string) {
  return codeFlow(browser, await register(`client of ${browser.user}`), scope);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function mcpPost(accessToken: string, body: unknown, extra: Record<string, string> = {}) {
  return fetch(`${base}/mcp`, {
    method: 'POST',
    headers: { ...bearer(accessToken), 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra },
    body: JSON.stringify(body),
  });
}
const initialize = (t: string) =>
  mcpPost(t, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });

describe('oauth mode: discovery', () => {
  it('the provider being down at sign-in gives a 503 page naming it', async () => {
    const clientId = await register('down test');
    const { challenge } = await pkce();
    await idp.stop();
    try {
      const r = await new HeadlessBrowser('alice').request('GET', authorizeUrl(clientId, { code_challenge: challenge }));
      expect(r.status).toBe(503);
      const html = await r.text();
      expect(html).toContain(idp.issuer);
      expect(html).toContain('unreachable');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      await idp.start();
    }
  });

  it('a 401 points at RFC 9728 metadata naming edgehub, whose RFC 8414 metadata lists the endpoints', async () => {
    const r = await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    // The MCP endpoint is its own resource (PUBLIC_URL/mcp); /git and /admin are PUBLIC_URL's.
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
    const admin = await fetch(`${base}/admin/api/servers`);
    expect(admin.status).toBe(401);
    expect(admin.headers.get('www-authenticate')).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource"`);
    const prm = (await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(prm.resource).toBe(base);
    expect(prm.authorization_servers).toEqual([base]);
    const prmMcp = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prmMcp.resource).toBe(`${base}/mcp`);
    const as = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(base);
    expect(as.authorization_endpoint).toBe(`${base}/authorize`);
    expect(as.token_endpoint).toBe(`${base}/token`);
    expect(as.registration_endpoint).toBe(`${base}/register`);
    expect(as.revocation_endpoint).toBeTruthy();
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.client_id_metadata_document_supported).toBe(true);
  });
});

describe('oauth mode: the official SDK client signs in headlessly', () => {
  let dcr: { client: Client; provider: HeadlessAuth };
  const alice = new HeadlessBrowser('alice');

  it('dynamic registration: provider login, consent, code + PKCE, then lists and calls tools', async () => {
    dcr = await sdkConnect(alice);
    await toolsAndCall(dcr.client);
    const authz = dcr.provider.authorizationUrls[0];
    expect(authz.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authz.searchParams.get('resource')).toBe(`${base}/mcp`);
    // It went through the provider's login form and edgehub's consent page (Approve).
    expect(alice.steps.some((s) => s.method === 'POST' && s.url.startsWith(idp.issuer))).toBe(true);
    expect(alice.steps.some((s) => s.method === 'POST' && s.url === `${base}/authorize`)).toBe(true);
    expect(dcr.provider.tokens()?.refresh_token).toBeTruthy();
    await dcr.client.close();
  });

  it('the grant is remembered per (person, client): authorizing again skips the consent page', async () => {
    const before = alice.steps.length;
    dcr.provider.saveTokens(undefined as never);
    expect(await auth(dcr.provider, { serverUrl: mcpUrl() })).toBe('REDIRECT');
    const again = alice.steps.slice(before);
    expect(again.some((s) => s.method === 'POST' && s.url === `${base}/authorize`)).toBe(false);
    expect(again.some((s) => s.url.startsWith(idp.issuer))).toBe(false); // signed in already
    expect(dcr.provider.code).toBeTruthy();
  });

  it('a Client ID Metadata Document on loopback: fetched through the guard, its redirect_uris used', async () => {
    const fetchesBefore = cimdFetches;
    const browser = new HeadlessBrowser('alice');
    const { client } = await sdkConnect(browser, { clientId: cimdUrl });
    await toolsAndCall(client);
    await client.close();
    expect(cimdFetches).toBeGreaterThan(fetchesBefore);
    const consent = browser.steps.find((s) => s.method === 'POST' && s.url === `${base}/authorize`);
    expect(consent).toBeTruthy();
    // A redirect_uri the document does not list is refused with a page, never redirected to.
    const { challenge } = await pkce();
    const r = await browser.request('GET', authorizeUrl(cimdUrl, { code_challenge: challenge, redirect_uri: 'http://127.0.0.1:9/other' }));
    expect(r.status).toBe(400);
    expect(r.headers.get('location')).toBeNull();
  });
});

describe('oauth mode: mcp-remote signs in headlessly', () => {
  it('mcp-remote-client registers, sends the user to sign in, exchanges the code and lists tools', async () => {
    const home = mkdtempSync(join(tmpdir(), 'edgehub-mcp-remote-'));
    // No browser can be launched: PATH holds only `node`, so mcp-remote prints the URL instead.
    const bin = join(home, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const callbackPort = await freePort();
    const script = join(import.meta.dirname, '..', '..', 'node_modules', 'mcp-remote', 'dist', 'client.js');
    const proc = spawn(process.execPath, [script, `${base}/mcp`, String(callbackPort), '--host', '127.0.0.1'], {
      env: { PATH: bin, HOME: home, MCP_REMOTE_CONFIG_DIR: join(home, 'auth') },
      // stdin stays open: mcp-remote shuts down when it closes.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline && proc.exitCode === null) {
        url = /Please authorize this client by visiting:\s+(\S+)/.exec(out)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, `mcp-remote printed no authorization URL:\n${out}`).toBeTruthy();
      const authz = new URL(url!);
      expect(authz.origin).toBe(base);
      expect(authz.searchParams.get('code_challenge_method')).toBe('S256');
      const browser = new HeadlessBrowser('alice');
      const back = await browser.run(url!, `http://127.0.0.1:${callbackPort}/oauth/callback`);
      expect(new URL(back).searchParams.get('code')).toBeTruthy();
      // The browser lands on mcp-remote's own callback server, which finishes the exchange.
      expect((await fetch(back)).status).toBeLessThan(400);
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, out.slice(-3000)).toBe(0);
      expect(out).toContain('Connected successfully!');
      expect(out).toMatch(/"name": "hub_status"/);
      expect(browser.steps.some((s) => s.method === 'POST' && s.url === `${base}/authorize`)).toBe(true);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('oauth mode: grants of a metadata-document client are per install', () => {
  it('signing in on a second install keeps the first; re-authorizing one install replaces only its grant', async () => {
    const machineA = await codeFlow(new HeadlessBrowser('carol'), cimdUrl, 'mcp:read');
    const machineB = await codeFlow(new HeadlessBrowser('carol'), cimdUrl, 'mcp:read', REDIRECT2);
    expect((await initialize(machineA.access_token)).status).toBe(200);
    expect((await initialize(machineB.access_token)).status).toBe(200);
    const againA = await codeFlow(new HeadlessBrowser('carol'), cimdUrl, 'mcp:read');
    expect((await initialize(machineA.access_token)).status).toBe(401);
    expect((await initialize(againA.access_token)).status).toBe(200);
    expect((await initialize(machineB.access_token)).status).toBe(200);
  });
});

describe('oauth mode: SDK v2 client (2026-07-28, stateless lane)', () => {
  it('signs in the same way (iss checked, RFC 9207) and calls tools with no session', async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const provider = new HeadlessAuth(new HeadlessBrowser('bob'), REDIRECT);
    const opts = { versionNegotiation: { mode: 'auto' as const } };
    const first = new v2.Client({ name: 'e2e-v2-oauth', version: '1.0.0' }, opts);
    await expect(first.connect(new v2.StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }))).rejects.toThrow(v2.UnauthorizedError);
    expect(provider.lastRedirect?.searchParams.get('iss')).toBe(base);
    await new v2.StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }).finishAuth(provider.lastRedirect!.searchParams);
    const client = new v2.Client({ name: 'e2e-v2-oauth', version: '1.0.0' }, opts);
    const transport = new v2.StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
    await client.connect(transport);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(transport.sessionId).toBeUndefined();
    await toolsAndCall(client as unknown as Client);
    await client.close();
  });
});

describe('oauth mode: tokens', () => {
  const alice = new HeadlessBrowser('alice');
  let t: { clientId: string; access_token: string; refresh_token: string };

  it('refresh works and rotates: the new pair works, an old refresh token is refused once replaced', async () => {
    t = (await tokensFor(alice, 'mcp:read mcp:call')) as typeof t;
    expect((await initialize(t.access_token)).status).toBe(200);
    const r1 = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId });
    expect(r1.status, JSON.stringify(r1.json)).toBe(200);
    expect(r1.json.refresh_token).toBeTruthy();
    expect(r1.json.refresh_token).not.toBe(t.refresh_token);
    expect(r1.json.access_token).not.toBe(t.access_token);
    expect((await initialize(r1.json.access_token)).status).toBe(200);
    const r2 = await token({ grant_type: 'refresh_token', refresh_token: r1.json.refresh_token, client_id: t.clientId });
    expect(r2.status).toBe(200);
    // The first refresh token was replaced and its replacement used: it is dead now.
    const stale = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId });
    expect(stale.status).toBe(400);
    expect(stale.json.error).toBe('invalid_grant');
    t = { ...t, access_token: r2.json.access_token, refresh_token: r2.json.refresh_token };
  });

  it('a revoked grant (RFC 7009 on its refresh token) gives 401 with the RFC 9728 challenge', async () => {
    expect((await initialize(t.access_token)).status).toBe(200);
    const rev = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.refresh_token, token_type_hint: 'refresh_token', client_id: t.clientId }),
    });
    expect(rev.status).toBe(200);
    const r = await initialize(t.access_token);
    expect(r.status).toBe(401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
    const body = (await r.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32001);
  });

  it('a token issued for /mcp only works on /mcp (not /admin/api, not /git); one for PUBLIC_URL works on all', async () => {
    const clientId = await register('mcp-only');
    const { verifier, challenge } = await pkce();
    const back = new URL(await alice.run(authorizeUrl(clientId, { code_challenge: challenge, resource: `${base}/mcp`, scope: 'mcp:read admin' }), REDIRECT));
    const res = await token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: clientId,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((await initialize(res.json.access_token)).status).toBe(200);
    expect((await fetch(`${base}/admin/api/servers`, { headers: bearer(res.json.access_token) })).status).toBe(401);
    // git smart HTTP takes the token as a Basic password: a PUBLIC_URL token opens it, a /mcp token does not.
    const basic = (tok: string) => ({ authorization: `Basic ${Buffer.from(`x:${tok}`).toString('base64')}` });
    const refs = `${base}/git/demo/info/refs?service=git-upload-pack`;
    expect((await fetch(refs, { headers: basic(res.json.access_token) })).status).toBe(401);
    const whole = await tokensFor(alice, 'mcp:read');
    expect((await fetch(refs, { headers: basic(whole.access_token) })).status).not.toBe(401);
    expect((await initialize(whole.access_token)).status).toBe(200);
  });
});

describe('oauth mode: refusals', () => {
  const alice = new HeadlessBrowser('alice');
  let clientId: string;

  beforeAll(async () => {
    clientId = await register('refusals');
  });

  it('a wrong PKCE verifier is refused, and so is a replayed code', async () => {
    const { verifier, challenge } = await pkce();
    const back = new URL(await alice.run(authorizeUrl(clientId, { code_challenge: challenge }), REDIRECT));
    const code = back.searchParams.get('code')!;
    const wrong = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: `${verifier}x`, client_id: clientId });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_grant');

    const { verifier: v2, challenge: c2 } = await pkce();
    const back2 = new URL(await alice.run(authorizeUrl(clientId, { code_challenge: c2 }), REDIRECT));
    const code2 = back2.searchParams.get('code')!;
    const ok = await token({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: v2, client_id: clientId });
    expect(ok.status).toBe(200);
    const replay = await token({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: v2, client_id: clientId });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
  });

  it('a foreign redirect_uri gets a page, never a redirect', async () => {
    const { challenge } = await pkce();
    const r = await alice.request('GET', authorizeUrl(clientId, { code_challenge: challenge, redirect_uri: 'https://evil.example/cb' }));
    expect(r.status).toBe(400);
    expect(r.headers.get('location')).toBeNull();
    expect(await r.text()).toMatch(/redirect/i);
  });

  it('a foreign resource is refused at /authorize and at /token', async () => {
    const { verifier, challenge } = await pkce();
    const r = await alice.request('GET', authorizeUrl(clientId, { code_challenge: challenge, resource: 'https://evil.example/mcp' }));
    expect(r.status).toBe(302);
    const back = new URL(r.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_target');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('state')).toBe('st-123');
    // A good code exchanged for another resource is refused too.
    const good = new URL(await alice.run(authorizeUrl(clientId, { code_challenge: challenge }), REDIRECT));
    const t = await token({
      grant_type: 'authorization_code',
      code: good.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: clientId,
      resource: 'https://evil.example/mcp',
    });
    expect(t.status).toBe(400);
    expect(t.json.error).toBe('invalid_target');
  });

  it('missing PKCE, an unknown client and a denied consent are errors a person or client can act on', async () => {
    const r = await alice.request('GET', authorizeUrl(clientId, {}));
    expect(r.status).toBe(302);
    const back = new URL(r.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/code_challenge|PKCE/i);

    const unknown = await alice.request('GET', authorizeUrl('no-such-client', { code_challenge: 'x'.repeat(43) }));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Unknown app');

    const denier = new HeadlessBrowser('alice', 'deny');
    const fresh = await register('to be denied');
    const { challenge } = await pkce();
    const denied = new URL(await denier.run(authorizeUrl(fresh, { code_challenge: challenge }), REDIRECT));
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('st-123');
    expect(denied.searchParams.get('iss')).toBe(base);
  });

  it('the consent form is refused cross-site and with a handle from another browser', async () => {
    const fresh = await register('csrf target');
    const { challenge } = await pkce();
    const page = await alice.request('GET', authorizeUrl(fresh, { code_challenge: challenge }));
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // Its form may end at the app's redirect origin and nowhere else; the internal hint never leaves.
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9;");
    expect(page.headers.get('x-edgehub-form-target')).toBeNull();
    expect(html).toContain('Approve');
    expect(html).toContain('Deny');
    expect(html).toContain('csrf target');
    expect(html).toContain('data-testid="redirect-host">127.0.0.1<');
    expect(html).toContain('This sends access to an app on your computer');
    const handle = /name="handle" value="([^"]+)"/.exec(html)![1];
    const cross = await fetch(`${base}/authorize`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        cookie: [...alice.jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ handle, decision: 'approve' }),
      redirect: 'manual',
    });
    expect(cross.status).toBe(403);
    // Another signed-in browser holding the handle (not the binding cookie) cannot use it.
    const otherBrowser = new HeadlessBrowser('alice');
    await tokensFor(otherBrowser, 'mcp:read');
    const other = await otherBrowser.request('POST', `${base}/authorize`, { handle, decision: 'approve' });
    expect(other.status).toBe(400);
    expect(other.headers.get('location')).toBeNull();
  });
});

describe('oauth mode: the sign-in cookie is no API credential', () => {
  it('a signed-in browser (admin alice) gets 401 on /admin/api and /mcp without a token', async () => {
    const alice = new HeadlessBrowser('alice');
    await tokensFor(alice, 'mcp:read');
    expect(alice.jar.has('edgehub_signin')).toBe(true);
    const cookie = [...alice.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await fetch(`${base}/admin/api/servers`, { headers: { cookie } })).status).toBe(401);
    const mcp = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
      }),
    });
    expect(mcp.status).toBe(401);
  });
});

describe('oauth mode: tenant and admin from claims', () => {
  it('alice (acme, admin by email) and carol (globex, admin by sub) administer their tenants; bob (globex) may not', async () => {
    const alice = await tokensFor(new HeadlessBrowser('alice'), 'mcp:read mcp:call admin');
    const bob = await tokensFor(new HeadlessBrowser('bob'), 'mcp:read mcp:call admin');
    const carol = await tokensFor(new HeadlessBrowser('carol'), 'mcp:read admin');
    expect(alice.scope.split(' ')).toContain('admin');
    expect(bob.scope.split(' ')).not.toContain('admin');
    expect((await fetch(`${base}/admin/api/servers`, { headers: bearer(alice.access_token) })).status).toBe(200);
    const refused = await fetch(`${base}/admin/api/servers`, { headers: bearer(bob.access_token) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');
    // bob opens an MCP session in globex: carol (globex) sees it, alice (acme) does not.
    const init = await initialize(bob.access_token);
    expect(init.status).toBe(200);
    const sid = init.headers.get('mcp-session-id')!;
    const sessions = async (t: string) =>
      ((await (await fetch(`${base}/admin/api/sessions`, { headers: bearer(t) })).json()) as { sessions: { sessionId: string; sub: string }[] }).sessions;
    expect((await sessions(carol.access_token)).map((s) => s.sessionId)).toContain(sid);
    expect((await sessions(alice.access_token)).map((s) => s.sessionId)).not.toContain(sid);
    expect((await sessions(carol.access_token)).find((s) => s.sessionId === sid)?.sub).toBe('bob');
  });

  it("the ID token's claims reach tool policies as principal.claims (those about the token itself do not)", async () => {
    const alice = await tokensFor(new HeadlessBrowser('alice'), 'mcp:read mcp:call admin');
    const listed = async () => {
      const c = new Client({ name: 'claims', version: '1' });
      await c.connect(new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: bearer(alice.access_token) } }));
      const names = (await c.listTools()).tools.map((t) => t.name);
      await c.close();
      return (tool: string) => names.some((n) => n === `git_${tool}`);
    };
    const config = async () => {
      const r = await fetch(`${base}/admin/api/config`, { headers: bearer(alice.access_token) });
      return { etag: r.headers.get('etag')!, json: (await r.json()) as Record<string, unknown> };
    };
    const put = async (body: Record<string, unknown>) => {
      const { etag } = await config();
      const r = await fetch(`${base}/admin/api/config`, {
        method: 'PUT',
        headers: { ...bearer(alice.access_token), 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify(body),
      });
      expect(r.status, await r.text()).toBe(200);
    };
    const before = await listed();
    expect(['status', 'log', 'diff'].map(before)).toEqual([true, true, true]);
    const original = (await config()).json;
    await put({
      ...original,
      policies: [
        { match: { server: 'git', tool: 'status' }, allow: 'has(principal.claims.dept) && principal.claims.dept == "finance"' },
        { match: { server: 'git', tool: 'log' }, allow: 'has(principal.claims.dept) && principal.claims.dept == "legal"' },
        { match: { server: 'git', tool: 'diff' }, allow: 'has(principal.claims.nonce) || has(principal.claims.aud)' },
      ],
    });
    try {
      const after = await listed();
      expect(['status', 'log', 'diff'].map(after)).toEqual([true, false, false]);
    } finally {
      await put(original);
    }
  });

  it('a tenant claim that is not a tenant name refuses the sign-in: the client gets access_denied', async () => {
    const clientId = await register('mallory app');
    const { challenge } = await pkce();
    const back = new URL(await new HeadlessBrowser('mallory').run(authorizeUrl(clientId, { code_challenge: challenge }), REDIRECT));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toContain("'org'");
  });

  it('the provider going down before the callback gives a 503 naming it', async () => {
    const clientId = await register('callback down');
    const { challenge } = await pkce();
    const browser = new HeadlessBrowser('bob');
    const callback = await browser.run(authorizeUrl(clientId, { code_challenge: challenge }), `${base}/oauth/callback`);
    await idp.stop();
    try {
      const r = await browser.request('GET', callback);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain(idp.issuer);
    } finally {
      await idp.start();
    }
  });
});

describe('oauth mode: the dashboard signs in through the provider (Chromium)', () => {
  it('sign in, see tenant and user, list Connected apps, revoke one: its token then gets 401', async () => {
    const grant = await tokensFor(new HeadlessBrowser('alice'), 'mcp:read mcp:call');
    expect((await initialize(grant.access_token)).status).toBe(200);
    const profile = mkdtempSync(join(tmpdir(), 'edgehub-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      page.on('dialog', (d) => void d.accept());
      await page.goto(`${base}/admin`);
      await expect.poll(() => page.url()).toBe(`${base}/admin/login`);
      expect(await page.textContent('body')).not.toContain('Paste an access token');
      await page.click('[data-testid=sign-in]');
      await page.waitForSelector('input[name=login]');
      expect(page.url().startsWith(idp.issuer)).toBe(true);
      await page.fill('input[name=login]', 'alice');
      await page.fill('input[name=password]', 'any');
      await page.click('button[type=submit]');
      await page.waitForSelector('button[type=submit]');
      if (page.url().startsWith(idp.issuer)) await page.click('button[type=submit]'); // the provider's own consent
      await page.waitForURL(`${base}/admin`);
      const header = await page.textContent('header');
      expect(header).toContain('alice');
      expect(header).toContain('acme');
      // The consent page in a real browser: Approve sends the browser on to the app's redirect URI
      // (the page's CSP must allow that form redirect), with the code and state.
      const appId = await register('browser consent app');
      const { challenge } = await pkce();
      // The app's callback is answered here (nothing listens on its port), so the navigation settles.
      await page.route(`${REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'the app got its code' }));
      const toApp = page.waitForRequest((r) => r.url().startsWith(REDIRECT), { timeout: 15_000 });
      await page.goto(authorizeUrl(appId, { code_challenge: challenge, scope: 'mcp:read' }));
      expect(await page.textContent('[data-testid=client-name]')).toBe('browser consent app');
      await page.click('[data-testid=approve]');
      const landed = new URL((await toApp).url());
      expect(landed.searchParams.get('code'), landed.toString()).toBeTruthy();
      expect(landed.searchParams.get('state')).toBe('st-123');
      await page.waitForURL((u) => u.toString().startsWith(REDIRECT));
      expect(await page.textContent('body')).toContain('the app got its code');
      await page.goto(`${base}/admin`);
      await page.click('nav a[href="/admin/apps"]');
      await page.waitForURL(`${base}/admin/apps`);
      const rows = page.locator('[data-testid=app-row]', { hasText: grant.clientId });
      expect(await rows.count()).toBe(1);
      await rows.locator('button').click();
      await page.waitForSelector('.flash.ok');
      expect(await page.textContent('.flash.ok')).toContain('revoked');
      expect(await page.locator('[data-testid=app-row]', { hasText: grant.clientId }).count()).toBe(0);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
    const after = await initialize(grant.access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
