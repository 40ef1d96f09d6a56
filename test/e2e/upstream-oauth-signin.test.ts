// Upstream sign-in in AUTH_MODE=oauth: the browser following a consent link must be signed in to
// edgehub (issue 17's sign-in, a real OpenID provider) as the link's principal — a browser not
// signed in is sent to sign in first, one signed in as someone else is refused (403), and only
// the right person's browser reaches the upstream's authorization server. Then the call answers
// with that person's own subject at the upstream.
import { createHash, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../helpers/headless-oauth';
import { type OAuthUpstream, startOAuthUpstream } from '../helpers/oauth-upstream';
import { type Idp, oauthModeVars, startIdp } from '../helpers/oidc-idp';
import { type DevServer, freePort, startDev } from '../helpers/wrangler';

const REDIRECT = 'http://127.0.0.1:9/callback';
let dev: DevServer;
let idp: Idp;
let up: OAuthUpstream;
let base: string;

beforeAll(async () => {
  up = await startOAuthUpstream();
  const [port, idpPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  idp = await startIdp({
    port: idpPort,
    redirectUri: `${base}/oauth/callback`,
    users: { alice: { email: 'alice@example.com', email_verified: true, org: 'acme' }, bob: { email: 'bob@example.com', email_verified: true, org: 'acme' } },
  });
  dev = await startDev({
    port,
    vars: { ...oauthModeVars(idp, base, 'alice'), VAULT_KEY: 'e2e-vault-key-signin-0123456789abcdef0123456789' },
  });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await idp?.close();
  await up?.close();
});

/** An edgehub access token for the browser's person (registration, /authorize with sign-in at the provider, consent, code exchange). */
async function tokenFor(browser: HeadlessBrowser, scope: string): Promise<string> {
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'e2e',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  const { client_id } = (await reg.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const u = new URL(`${base}/authorize`);
  const params = {
    response_type: 'code',
    client_id,
    redirect_uri: REDIRECT,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource: base,
    scope,
    state: 's',
  };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const back = new URL(await browser.run(u.toString(), REDIRECT));
  const t = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id,
      resource: base,
    }),
  });
  const json = (await t.json()) as { access_token?: string };
  expect(json.access_token, JSON.stringify(json)).toBeTruthy();
  return json.access_token!;
}

describe('upstream sign-in, oauth mode', () => {
  it('only a browser signed in to edgehub as the principal can follow its link', async () => {
    const aliceBrowser = new HeadlessBrowser('alice');
    const alice = await tokenFor(aliceBrowser, 'mcp:read mcp:call admin');
    const bobBrowser = new HeadlessBrowser('bob');
    await tokenFor(bobBrowser, 'mcp:read mcp:call');
    const auth = { authorization: `Bearer ${alice}` };
    const put = await fetch(`${base}/admin/api/servers/up`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ uri: up.url, transport: { auth: 'oauth' } }),
    });
    expect(put.status, await put.text()).toBe(200);
    const { url: link } = (await (await fetch(`${base}/connections/up`, { method: 'POST', headers: auth })).json()) as { url: string };
    expect(link).toMatch(/\/oauth\/upstream\/start\?h=/);

    const stranger = await new HeadlessBrowser('nobody').request('GET', link);
    expect(stranger.status).toBe(302);
    expect(stranger.headers.get('location')).toMatch(/^\/oauth\/login\?return_to=%2Foauth%2Fupstream%2Fstart/);

    const wrong = await bobBrowser.request('GET', link);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('Wrong account');
    const handle = new URL(link).searchParams.get('h')!;
    const wrongPost = await bobBrowser.request('POST', `${base}/oauth/upstream/start`, { handle, decision: 'approve' });
    expect(wrongPost.status).toBe(403);
    expect(up.counts.register ?? 0).toBe(0); // nobody reached the upstream's authorization server

    const back = await aliceBrowser.run(link, `${base}/oauth/upstream/callback`);
    const done = await aliceBrowser.request('GET', back);
    expect(done.status, aliceBrowser.lastPage.slice(0, 300)).toBe(200);

    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: auth } }));
    const r = await client.callTool({ name: 'up_whoami', arguments: {} });
    expect((r.content as { text: string }[])[0].text).toBe('alice');
    await client.close();
  });
});
