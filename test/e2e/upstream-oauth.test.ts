// Upstream sign-in end to end (jwt mode): a real OAuth-protected MCP upstream (oidc-provider as its
// authorization server issuing JWT access tokens for the upstream as resource; an SDK server whose
// `whoami` answers the token's subject), edgehub under `wrangler dev`, and the official MCP SDK
// client declaring URL-mode elicitation. Each principal follows the link headlessly (edgehub's
// confirmation page, the provider's login and consent) and then reaches the upstream as themselves.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  up = await startOAuthUpstream();
  h = await startJwtDev({ publicUrl: true, vars: { VAULT_KEY } });
  const admin = await h.client('acme', 'admin');
  const r = await admin.callTool({ name: 'hub_add_server', arguments: { name: 'up', uri: up.url, transport: { auth: 'oauth' } } });
  expect(r.isError, JSON.stringify(r)).toBeFalsy();
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
  const e = await c.callTool({ name: tool, arguments: args }).then(
    (r) => {
      throw new Error(`expected -32042, got ${JSON.stringify(r)}`);
    },
    (err: { code?: number; data?: { elicitations?: { mode: string; url: string }[] } }) => err,
  );
  expect(e.code).toBe(-32042);
  const el = e.data?.elicitations?.[0];
  expect(el?.mode).toBe('url');
  return el!.url;
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
  let alice: Client;
  let bob: Client;

  it('before any grant the server needs authorization; hub_connect answers a URL elicitation', async () => {
    alice = await client('acme', 'caller');
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name)).not.toContain('up_whoami');
    const status = await alice.callTool({ name: 'hub_status', arguments: {} });
    const up1 = (status.structuredContent as { servers: { name: string; state: string }[] }).servers.find((s) => s.name === 'up');
    expect(up1?.state).toBe('needs-authorization');
    const link = await elicitation(alice, 'hub_connect', { server: 'up' });
    expect(link.startsWith(`${h.base}/oauth/upstream/start?h=`)).toBe(true);
    const page = await (await fetch(link)).text();
    expect(page).toContain('caller@acme'); // the confirmation names the principal
    await follow(link, 'alice-up');
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

  it('no access token of the upstream appears in any reply edgehub sent', async () => {
    const tokens = up.seenAuth.filter((a) => a.startsWith('Bearer ey')).map((a) => a.slice(7));
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of new Set(tokens)) for (const r of [...h.responses, ...replies]) expect(r.includes(t)).toBe(false);
    const out = h.dev.output();
    for (const t of new Set(tokens)) expect(out.includes(t)).toBe(false);
  });

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
  });
});
