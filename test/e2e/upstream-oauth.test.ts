// Upstream sign-in end to end (jwt mode): a real OAuth-protected MCP upstream (oidc-provider as its
// authorization server issuing JWT access tokens for the upstream as resource; an SDK server whose
// `whoami` answers the token's subject), edgehub under `wrangler dev`, and the official MCP SDK
// client declaring URL-mode elicitation. Each principal follows the link headlessly (edgehub's
// confirmation page, the provider's login and consent) and then reaches the upstream as themselves.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli';
import { HeadlessBrowser } from '../helpers/headless-oauth';
import { type JwtDev, type Role, startJwtDev, type Tenant } from '../helpers/jwt-dev';
import { type OAuthUpstream, startOAuthUpstream } from '../helpers/oauth-upstream';

const VAULT_KEY = 'e2e-vault-key-0123456789abcdef0123456789abcdef';
let h: JwtDev;
let up: OAuthUpstream;
/** Every reply body the MCP clients received (searched for tokens). */
const replies: string[] = [];
const recording: typeof fetch = async (u, i) => {
  const r = await fetch(u, i);
  r.clone()
    .text()
    .then((t) => replies.push(t))
    .catch(() => {});
  return r;
};

beforeAll(async () => {
  up = await startOAuthUpstream({ shortLived: ['short-up'] });
  h = await startJwtDev({ publicUrl: true, vars: { VAULT_KEY, SECRETS_KEY: 'e2e-secrets-key-0123456789abcdef0123456789ab' } });
  const admin = await h.client('acme', 'admin');
  const r = await admin.callTool({ name: 'hub_add_server', arguments: { name: 'up', uri: up.url, transport: { auth: 'oauth' } } });
  expect(r.isError, JSON.stringify(r)).toBeFalsy();
  const shared = await admin.callTool({
    name: 'hub_add_server',
    arguments: { name: 'shared', uri: up.url, transport: { auth: { type: 'oauth', mode: 'shared' } } },
  });
  expect(shared.isError, JSON.stringify(shared)).toBeFalsy();
  // Admins are told which servers need whose grant: hub_check and hub_status.
  const check = await admin.callTool({ name: 'hub_check', arguments: { action: 'report' } });
  const results = (check.structuredContent as { results: Record<string, { ok: boolean; note?: string }> }).results;
  expect(results.up).toMatchObject({ ok: true });
  expect(results.up.note).toMatch(/needs authorization: no one has signed in yet/);
  expect(results.shared.note).toMatch(/needs authorization: an admin signs in for the tenant/);
  const status = await admin.callTool({ name: 'hub_status', arguments: {} });
  const rows = (status.structuredContent as { servers: { name: string; state: string; auth?: { mode: string; needs?: string } }[] }).servers;
  expect(rows.find((r) => r.name === 'shared')).toMatchObject({ state: 'needs-authorization', auth: { mode: 'shared' } });
  expect(rows.find((r) => r.name === 'shared')?.auth?.needs).toMatch(/admin/);
  await admin.close();
}, 120_000);

afterAll(async () => {
  if (process.env.UPSTREAM_OAUTH_DEBUG) (await import('node:fs')).writeFileSync(process.env.UPSTREAM_OAUTH_DEBUG, h?.dev.output() ?? '');
  await h?.stop();
  await up?.close();
});

/** The official SDK client on the 2025-11-25 lane, declaring URL-mode elicitation (or not). */
async function client(tenant: Tenant, role: Role, urlElicitation = true): Promise<Client> {
  const c = new Client({ name: `e2e-${role}`, version: '1' }, { capabilities: urlElicitation ? { elicitation: { url: {} } } : {} });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${h.base}/mcp`), { requestInit: { headers: h.auth(tenant, role) }, fetch: recording }));
  return c;
}

/** Calls `tool`, expecting the URLElicitationRequired error; returns its link. */
async function elicitation(c: Client, tool: string, args: Record<string, unknown> = {}): Promise<string> {
  return (await elicitationOf(c, tool, args)).url;
}

async function elicitationOf(c: Client, tool: string, args: Record<string, unknown> = {}): Promise<{ url: string; elicitationId: string }> {
  const e = await c.callTool({ name: tool, arguments: args }).then(
    (r) => {
      throw new Error(`expected -32042, got ${JSON.stringify(r)}`);
    },
    (err: { code?: number; data?: { elicitations?: { mode: string; url: string; elicitationId: string }[] } }) => err,
  );
  expect(e.code).toBe(-32042);
  const el = e.data?.elicitations?.[0];
  expect(el?.mode).toBe('url');
  return el!;
}

/** A person following the link: edgehub's confirmation, the provider's login (as `login`) and consent. */
async function follow(link: string, login: string): Promise<HeadlessBrowser> {
  const b = new HeadlessBrowser(login);
  const back = await b.run(link, `${h.base}/oauth/upstream/callback`);
  const done = await b.request('GET', back);
  const page = await done.text();
  expect(done.status, page.slice(0, 400)).toBe(200);
  expect(page).toContain('data-testid="connected"');
  return b;
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '').trim();

describe('upstream sign-in, per user', () => {
  it('an upstream mounted without auth that answers a 401 with resource metadata is named OAuth-protected', async () => {
    const admin = await h.client('acme', 'admin');
    const r = await admin.callTool({ name: 'hub_add_server', arguments: { name: 'plain', uri: up.url } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/OAuth-protected.*"auth": "oauth"/);
    await admin.close();
  });

  let alice: Client;
  let bob: Client;

  it('before any grant the server needs authorization; hub_connect answers a URL elicitation', async () => {
    alice = await client('acme', 'caller');
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name)).not.toContain('up_whoami');
    const status = await alice.callTool({ name: 'hub_status', arguments: {} });
    const up1 = (status.structuredContent as { servers: { name: string; state: string }[] }).servers.find((s) => s.name === 'up');
    expect(up1?.state).toBe('needs-authorization');
    const { url: link, elicitationId } = await elicitationOf(alice, 'hub_connect', { server: 'up' });
    expect(link.startsWith(`${h.base}/oauth/upstream/start?h=`)).toBe(true);
    const page = await (await fetch(link)).text();
    expect(page).toContain('caller@acme'); // the confirmation names the principal
    const changed = new Promise<void>((r) => alice.setNotificationHandler(ToolListChangedNotificationSchema, () => r()));
    const completed = new Promise<string>((r) => alice.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => r(n.params.elicitationId)));
    await follow(link, 'alice-up');
    await changed; // list_changed brings the server's tools
    expect(await completed).toBe(elicitationId); // and the elicitation is reported complete
  });

  it("the first principal's calls carry their own subject", async () => {
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name)).toContain('up_whoami');
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
  });

  it('a second principal sees the tools (listed with a grant that exists) but must grant for themselves', async () => {
    bob = await client('acme', 'admin');
    const { tools } = await bob.listTools();
    expect(tools.map((t) => t.name)).toContain('up_whoami');
    const link = await elicitation(bob, 'up_whoami');
    await follow(link, 'bob-up');
    expect(text(await bob.callTool({ name: 'up_whoami', arguments: {} }))).toBe('bob-up');
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
  });

  it('a client without URL elicitation gets an isError result holding the link', async () => {
    const plain = await client('acme', 'reader', false);
    const r = await plain.callTool({ name: 'up_whoami', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(new RegExp(`${h.base}/oauth/upstream/start\\?h=`));
    await plain.close();
  });

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshes = () => up.counts['token:refresh_token'] ?? 0;

/** A 2026-07-28 (stateless lane) tools/call, raw: the envelope in `_meta`, headers matching. */
async function modernCall(token: string, name: string, inputResponses?: unknown) {
  const r = await h.fetch('/mcp', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: {
        name,
        arguments: {},
        ...(inputResponses ? { inputResponses } : {}),
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } },
          'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1' },
        },
      },
    }),
  });
  return r.json;
}

describe('grants over time', () => {
  let alice: Client;
  beforeAll(async () => {
    alice = await client('acme', 'caller');
  });
  afterAll(async () => {
    await alice?.close();
  });

  it('a token the upstream rejects is refreshed once and the call goes through unnoticed', async () => {
    const before = refreshes();
    up.rejectNext('alice-up');
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
    expect(refreshes()).toBe(before + 1);
  });

  it('a token about to expire is refreshed before it is used', async () => {
    const reader = await client('acme', 'reader');
    await follow(await elicitation(reader, 'up_whoami'), 'short-up');
    const before = refreshes();
    const seen = up.seenAuth.length;
    expect(text(await reader.callTool({ name: 'up_whoami', arguments: {} }))).toBe('short-up');
    // Its tokens live 30 s, inside the 60 s refresh-ahead window: each use gets a fresh one.
    expect(refreshes()).toBeGreaterThan(before);
    expect(up.seenAuth.slice(seen).every((a) => a.startsWith('Bearer '))).toBe(true);
    await reader.close();
  });

  it('the authorization server down: a bounded error naming it, for a refresh and for a new link', async () => {
    await up.stopAs();
    try {
      up.rejectNext('alice-up');
      const err = await alice.callTool({ name: 'up_whoami', arguments: {} }).then(
        (r) => r,
        (e: Error) => e,
      );
      expect(err instanceof Error ? err.message : JSON.stringify(err)).toContain(up.issuer);
      const link = await elicitation(await client('acme', 'admin'), 'hub_connect', { server: 'up' });
      const page = await fetch(link);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain(up.issuer);
    } finally {
      await up.startAs();
    }
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
  });

  it('a grant revoked at the authorization server asks for consent again', async () => {
    await sleep(1100); // the fixture revokes tokens issued before the current second
    up.revokeAccount('alice-up');
    const link = await elicitation(alice, 'up_whoami');
    await follow(link, 'alice-up');
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
  });
});

describe('refusals at the callback', () => {
  const callback = () => `${h.base}/oauth/upstream/callback`;

  it('an unknown state is refused', async () => {
    const forged = `v1.${Buffer.from('acme').toString('base64url')}.${Buffer.from('caller@acme').toString('base64url')}.${'A'.repeat(43)}`;
    const b = new HeadlessBrowser('x');
    b.jar.set('edgehub_upstream', forged); // even with the cookie: the vault knows no such flow
    const r = await b.request('GET', `${callback()}?code=abc&state=${forged}&iss=${encodeURIComponent(up.issuer)}`);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/unknown, used or expired state/);
  });

  it('a mismatched iss is refused, the flow is gone after it, and a replayed code is refused', async () => {
    const bob = await client('acme', 'admin');
    const link = await elicitation(bob, 'hub_connect', { server: 'up' });
    const b = new HeadlessBrowser('bob-up');
    const back = new URL(await b.run(link, callback()));
    expect(back.searchParams.get('iss')).toBe(up.issuer);
    const state = back.searchParams.get('state')!;
    const forged = new URL(back);
    forged.searchParams.set('iss', 'http://127.0.0.1:9/evil');
    const r1 = await b.request('GET', forged.toString());
    expect(r1.status).toBe(400);
    expect(await r1.text()).toMatch(/iss/);
    b.jar.set('edgehub_upstream', state);
    const r2 = await b.request('GET', back.toString());
    expect(r2.status).toBe(400);
    // A code that did work once is refused the second time.
    const link2 = await elicitation(bob, 'hub_connect', { server: 'up' });
    const b2 = await follow(link2, 'bob-up');
    const done = b2.steps.at(-1)!.url;
    b2.jar.set('edgehub_upstream', new URL(done).searchParams.get('state')!);
    const r3 = await b2.request('GET', done);
    expect(r3.status).toBe(400);
    expect(text(await bob.callTool({ name: 'up_whoami', arguments: {} }))).toBe('bob-up');
    await bob.close();
  });

  it('a callback without the browser that confirmed is refused', async () => {
    const bob = await client('acme', 'admin');
    const link = await elicitation(bob, 'hub_connect', { server: 'up' });
    const back = await new HeadlessBrowser('bob-up').run(link, callback());
    const other = new HeadlessBrowser('mallory');
    const r = await other.request('GET', back);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/another browser/);
    await bob.close();
  });
});

describe('shared mode, the stateless lane, connections', () => {
  it("a shared grant is made by an admin and used for everyone's calls", async () => {
    const alice = await client('acme', 'caller');
    const refused = await alice.callTool({ name: 'hub_connect', arguments: { server: 'shared' } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/admin/);
    const bob = await client('acme', 'admin');
    await follow(await elicitation(bob, 'hub_connect', { server: 'shared' }), 'admin-up');
    expect(text(await alice.callTool({ name: 'shared_whoami', arguments: {} }))).toBe('admin-up');
    expect(text(await bob.callTool({ name: 'shared_whoami', arguments: {} }))).toBe('admin-up');
    // Per-user grants stay per user next to it.
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
    await alice.close();
    await bob.close();
  });

  it('a 2026-07-28 client gets input_required with a url elicitation, then its own subject', async () => {
    const token = await h.token({ sub: 'dave@acme', tenant: 'acme', scope: 'mcp:read mcp:call', ttlSec: 3600 });
    const first = await modernCall(token, 'up_whoami');
    expect(first.result?.resultType, JSON.stringify(first)).toBe('input_required');
    const [key, req] = Object.entries(first.result.inputRequests as Record<string, { method: string; params: { mode: string; url: string } }>)[0];
    expect(req.method).toBe('elicitation/create');
    expect(req.params.mode).toBe('url');
    await follow(req.params.url, 'dave-up');
    const second = await modernCall(token, 'up_whoami', { [key]: { action: 'accept' } });
    expect(second.result?.content?.[0]?.text, JSON.stringify(second)).toBe('dave-up');
  });

  it('connections: listed without tokens, revoked at the authorization server, then consent again', async () => {
    const mine = await h.fetch('/connections', { headers: h.auth('acme', 'caller') });
    expect(mine.status).toBe(200);
    const rows = (mine.json as { connections: { server: string; connected: boolean; mode: string }[] }).connections;
    expect(rows.find((r) => r.server === 'up')?.connected).toBe(true);
    expect(rows.find((r) => r.server === 'shared')?.mode).toBe('shared');
    expect((mine.json as { upstreams?: unknown }).upstreams).toBeUndefined();
    const adminView = await h.fetch('/connections', { headers: h.auth('acme', 'admin') });
    expect((adminView.json as { upstreams: { server: string; needs: string | null }[] }).upstreams).toEqual(
      expect.arrayContaining([expect.objectContaining({ server: 'up', needs: null }), expect.objectContaining({ server: 'shared', needs: null })]),
    );
    const before = up.counts.revoke ?? 0;
    const del = await h.fetch('/connections/up', { method: 'DELETE', headers: h.auth('acme', 'caller') });
    expect(del.status, del.text).toBe(200);
    expect((del.json as { revokedAtServer: boolean }).revokedAtServer).toBe(true);
    expect(up.counts.revoke ?? 0).toBeGreaterThan(before);
    const alice = await client('acme', 'caller');
    await elicitation(alice, 'up_whoami');
    const link = await h.fetch('/connections/up', { method: 'POST', headers: h.auth('acme', 'caller') });
    expect((link.json as { url: string }).url).toMatch(/\/oauth\/upstream\/start\?h=/);
    await follow((link.json as { url: string }).url, 'alice-up');
    expect(text(await alice.callTool({ name: 'up_whoami', arguments: {} }))).toBe('alice-up');
    const reader = await h.fetch('/connections/shared', { method: 'DELETE', headers: h.auth('acme', 'reader') });
    expect(reader.status).toBe(403);
    await alice.close();
  });

  it('an authorization server without registration: the configured client, its secret from the tenant store', async () => {
    const secret = 'configured-client-secret-0123456789';
    const conf = await startOAuthUpstream({ client: { id: 'edgehub-configured', secret, redirectUri: `${h.base}/oauth/upstream/callback` } });
    try {
      const put = await h.fetch('/admin/api/secrets/CONF_SECRET', {
        method: 'PUT',
        headers: { ...h.auth('acme', 'admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ value: secret }),
      });
      expect(put.status, put.text).toBe(200);
      const admin = await client('acme', 'admin');
      const add = await admin.callTool({
        name: 'hub_add_server',
        arguments: { name: 'conf', uri: conf.url, transport: { auth: { type: 'oauth', client_id: 'edgehub-configured', client_secret: '${CONF_SECRET}' } } },
      });
      expect(add.isError, JSON.stringify(add)).toBeFalsy();
      await follow(await elicitation(admin, 'hub_connect', { server: 'conf' }), 'conf-user');
      expect(text(await admin.callTool({ name: 'conf_whoami', arguments: {} }))).toBe('conf-user');
      expect(conf.counts.register ?? 0).toBe(0);
      expect(conf.counts['token:authorization_code']).toBe(1);
      const read = await h.fetch('/admin/api/config', { headers: h.auth('acme', 'admin') });
      expect(read.text).not.toContain(secret);
      await admin.close();
    } finally {
      await conf.close();
    }
  });

  it('CLI: edgehub connections list | revoke', async () => {
    const cli = cliRunner(() => h.base, mkdtempSync(join(tmpdir(), 'edgehub-cli-')));
    const env = { EDGEHUB_TOKEN: h.tokens.acme.caller };
    const listed = await cli(['connections', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/up\s+user\s+connected/);
    const revoked = await cli(['connections', 'revoke', 'up'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('revoked up');
    const after = await cli(['connections', 'list', '--json'], env);
    expect(after.json.connections.find((c: { server: string }) => c.server === 'up').connected).toBe(false);
    const adminList = await cli(['connections', 'list'], { EDGEHUB_TOKEN: h.tokens.acme.admin });
    expect(adminList.code, adminList.stderr).toBe(0);
    for (const out of [listed, revoked, after, adminList]) expect(out.stdout + out.stderr).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('dashboard: connections listed, reconnect through the link, revoke; admins see what needs grants', async () => {
    const b = new HeadlessBrowser('bob-up');
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const login = await (await b.request('GET', `${h.base}/admin/login`)).text();
    const signedIn = await b.request('POST', `${h.base}/admin/login`, { _csrf: csrfOf(login), token: h.tokens.acme.admin });
    expect(signedIn.status).toBe(303);
    const page = await (await b.request('GET', `${h.base}/admin/connections`)).text();
    expect(page).toContain('data-testid="connection-row"');
    expect(page).toContain('data-testid="upstream-needs"');
    const go = await b.request('POST', `${h.base}/admin/connections/up/connect`, { _csrf: csrfOf(page) });
    expect(go.status).toBe(303);
    const link = go.headers.get('location')!;
    expect(link.startsWith(`${h.base}/oauth/upstream/start?h=`)).toBe(true);
    const back = await b.run(link, `${h.base}/oauth/upstream/callback`);
    expect((await b.request('GET', back)).status).toBe(200);
    const before = up.counts.revoke ?? 0;
    const page2 = await (await b.request('GET', `${h.base}/admin/connections`)).text();
    const revoked = await b.request('POST', `${h.base}/admin/connections/up/revoke`, { _csrf: csrfOf(page2) });
    expect(revoked.status).toBe(303);
    expect(up.counts.revoke ?? 0).toBeGreaterThan(before);
    const page3 = await (await b.request('GET', `${h.base}/admin/connections`)).text();
    expect(page3).toMatch(/<td>up<\/td><td>yours<\/td><td>needs authorization<\/td>/);
    for (const t of new Set(up.seenAuth.map((a) => a.slice(7)).filter(Boolean))) for (const p of [page, page2, page3]) expect(p.includes(t)).toBe(false);
  });

  it('no access token of the upstream appears in any reply edgehub sent', async () => {
    // Admin reads too: the config (redacted), status, connections.
    await h.fetch('/admin/api/servers', { headers: h.auth('acme', 'admin') });
    await h.fetch('/admin/api/config', { headers: h.auth('acme', 'admin') });
    await h.fetch('/connections', { headers: h.auth('acme', 'admin') });
    const tokens = up.seenAuth.filter((a) => a.startsWith('Bearer ey')).map((a) => a.slice(7));
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of new Set(tokens)) for (const r of [...h.responses, ...replies]) expect(r.includes(t)).toBe(false);
    const out = h.dev.output();
    for (const t of new Set(tokens)) expect(out.includes(t)).toBe(false);
  });
});
