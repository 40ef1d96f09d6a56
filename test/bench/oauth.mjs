// Bench stage `oauth` (AUTH_MODE=oauth): what sign-in costs. Its own `wrangler dev` in oauth mode
// beside a real OpenID provider (oidc-provider) on loopback, interleaved with the same instance's
// plain route (the floor):
// - a modern-lane tools/call (hub_status) with an edgehub-issued token (KV read + props unwrap per
//   request) against the same call on the dev-open instance (no auth at all);
// - a refresh at /token (rotation: KV reads and writes);
// - a whole headless sign-in (register, /authorize, provider login, consent, code exchange).
// Bounded by: wrangler dev's local KV (SQLite on disk, not Cloudflare's edge cache), one machine.
import { HeadlessBrowser } from '../helpers/headless-oauth.ts';
import { startIdp } from '../helpers/oidc-idp.ts';
import { freePort, interleave, measure, round, startWrangler } from './lib.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback';
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

async function hubStatus(url, token) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'hub_status',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hub_status', arguments: {}, _meta: META } }),
  });
  const text = await r.text();
  if (r.status !== 200 || text.includes('"error"')) throw new Error(`hub_status ${r.status}: ${text.slice(0, 200)}`);
}

async function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

async function signIn(base, user) {
  const { createHash, randomBytes } = await import('node:crypto');
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'bench',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const { client_id } = await reg.json();
  const verifier = await b64url(randomBytes(32));
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const u = new URL(`${base}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: `${base}/mcp`,
    state: 's',
  }))
    u.searchParams.set(k, v);
  const back = new URL(await new HeadlessBrowser(user).run(u.toString(), REDIRECT));
  const t = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code'),
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id,
    }),
  });
  const json = await t.json();
  if (!json.access_token) throw new Error(`no token: ${JSON.stringify(json)}`);
  return { client_id, ...json };
}

export async function run({ dev, row, check, quick }) {
  const n = (x) => Math.max(20, Math.round(x * (quick ? 0.25 : 1)));
  const [port, idpPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const idp = await startIdp({ port: idpPort, redirectUri: `${base}/oauth/callback`, users: {} });
  const oauth = await startWrangler(
    {
      AUTH_MODE: 'oauth',
      PUBLIC_URL: base,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      ALLOW_PRIVATE_UPSTREAMS: 'true',
    },
    { port },
  );
  try {
    const first = await signIn(base, 'bench-user');
    const m = await interleave(
      [
        ['floor', () => fetch(`${base}/health`).then((r) => r.text())],
        ['open', () => hubStatus(dev.url)],
        ['oauth', () => hubStatus(base, first.access_token)],
      ],
      { concurrency: 1, count: n(300), warmup: 30 },
    );
    row('floor', 'plain Worker route GET /health (oauth instance)', m.floor);
    row('edgehub', 'hub_status, modern lane, dev-open (no auth)', m.open);
    row('edgehub', 'hub_status, modern lane, oauth token (KV lookup + unwrap)', m.oauth);
    const m16 = await interleave(
      [
        ['open', () => hubStatus(dev.url)],
        ['oauth', () => hubStatus(base, first.access_token)],
      ],
      { concurrency: 16, count: n(400), warmup: 16 },
    );
    row('edgehub', 'hub_status, dev-open, c=16', m16.open);
    row('edgehub', 'hub_status, oauth token, c=16', m16.oauth);

    let refresh = first.refresh_token;
    const r = await measure(
      async () => {
        const res = await fetch(`${base}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: first.client_id }),
        });
        const j = await res.json();
        if (!j.refresh_token) throw new Error(`refresh: ${JSON.stringify(j)}`);
        refresh = j.refresh_token;
      },
      { count: n(100), warmup: 5 },
    );
    row('edgehub', 'refresh at /token (rotates)', r);

    const flows = await measure((w) => signIn(base, `bench-${w}`), { count: n(40), warmup: 3 });
    row('edgehub', 'whole sign-in: register, authorize, provider login + consent, edgehub consent, code exchange', flows);

    const extra = round(m.oauth.p50 - m.open.p50);
    check('oauth token check adds ≤ 3 ms p50 to a tools/call (vs no auth)', extra <= 3, `${extra} ms (${m.oauth.p50} vs ${m.open.p50} ms)`);
  } finally {
    await oauth.stop();
    await idp.close();
  }
}
