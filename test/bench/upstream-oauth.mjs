// Bench stage `upstream-oauth`: what a per-user OAuth grant costs on a call, against the same
// upstream mounted with a static `Authorization` header. One `wrangler dev` (dev-open, VAULT_KEY,
// PUBLIC_URL) and a real OAuth-protected upstream (test/helpers/oauth-upstream.ts: oidc-provider +
// an SDK server verifying JWT access tokens). The static entry carries a token this script obtained
// from the same authorization server (so the upstream verifies the same kind of token either way);
// the OAuth entry uses the grant edgehub holds in its vault, cached in memory after the first call.
// Interleaved, both lanes. Target: cached-grant call p50 ≤ 0.5 ms above the static header's.
// Bounded by: loopback, one machine shared with other work, wrangler dev's local Durable Objects.
import * as oauth from 'oauth4webapi';
import { HeadlessBrowser } from '../helpers/headless-oauth.ts';
import { startOAuthUpstream } from '../helpers/oauth-upstream.ts';
import { cpuMeter, descendants, freePort, interleave, round, startWrangler } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';

const REDIRECT = 'http://127.0.0.1:9/cb';

/** A token for the upstream straight from its authorization server (DCR, PKCE, resource, login, consent). */
async function directToken(up) {
  const opts = { [oauth.allowInsecureRequests]: true };
  const issuer = new URL(up.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, opts));
  const reg = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] },
      opts,
    ),
  );
  const client = { client_id: reg.client_id };
  const verifier = oauth.generateRandomCodeVerifier();
  const u = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: reg.client_id,
    redirect_uri: REDIRECT,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: up.url,
    scope: 'whoami',
    state: 'bench',
  }))
    u.searchParams.set(k, v);
  const back = new URL(await new HeadlessBrowser('bench-static').run(u.toString(), REDIRECT));
  const params = oauth.validateAuthResponse(as, client, back, 'bench');
  const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, {
    ...opts,
    additionalParameters: { resource: up.url },
  });
  return (await oauth.processAuthorizationCodeResponse(as, client, res)).access_token;
}

async function put(base, name, entry) {
  const r = await fetch(`${base}/admin/api/servers/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entry) });
  if (!r.ok) throw new Error(`PUT ${name}: ${r.status} ${await r.text()}`);
}

export async function run({ row, check, quick }) {
  const n = (x) => Math.max(20, Math.round(x * (quick ? 0.25 : 1)));
  const up = await startOAuthUpstream();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dev = await startWrangler({ VAULT_KEY: 'bench-vault-key-0123456789abcdef0123456789', PUBLIC_URL: base }, { port });
  try {
    const token = await directToken(up);
    await put(base, 'fixed', { uri: up.url, transport: { headers: { authorization: `Bearer ${token}` } } });
    await put(base, 'up', { uri: up.url, transport: { auth: 'oauth' } });
    const link = await fetch(`${base}/connections/up`, { method: 'POST' }).then((r) => r.json());
    const b = new HeadlessBrowser('bench-up');
    const done = await b.request('GET', await b.run(link.url, `${base}/oauth/upstream/callback`));
    if (done.status !== 200) throw new Error(`grant: ${done.status}`);
    const mcp = `${base}/mcp`;
    const [sFixed, sUp] = [await openSession(mcp), await openSession(mcp)];
    const text = (r) => r.content?.[0]?.text;
    if (text(await legacy(mcp, sUp, 'tools/call', { name: 'up_whoami', arguments: {} })) !== 'bench-up') throw new Error('oauth call did not answer bench-up');
    if (text(await legacy(mcp, sFixed, 'tools/call', { name: 'fixed_whoami', arguments: {} })) !== 'bench-static') throw new Error('static call failed');

    // workerd CPU per call: steadier than latency on a shared machine.
    const meter = cpuMeter(() => ({ workerd: descendants(dev.proc.pid) }));
    const m = await interleave(
      [
        ['floor', () => fetch(`${base}/health`).then((r) => r.text())],
        ['fixed', () => legacy(mcp, sFixed, 'tools/call', { name: 'fixed_whoami', arguments: {} })],
        ['oauth', () => legacy(mcp, sUp, 'tools/call', { name: 'up_whoami', arguments: {} })],
        ['modFixed', () => modern(mcp, 'tools/call', { name: 'fixed_whoami', arguments: {} })],
        ['modOauth', () => modern(mcp, 'tools/call', { name: 'up_whoami', arguments: {} })],
      ],
      { concurrency: 1, count: n(1000), warmup: 40, rounds: 10, hooks: meter },
    );
    const cpu = (k) => meter.perOp(k).workerd;
    row('floor', 'plain Worker route GET /health (upstream-oauth instance)', m.floor);
    row('edgehub', 'tools/call, legacy lane, static Authorization header', m.fixed, { cpuMsPerOp: cpu('fixed') });
    row('edgehub', 'tools/call, legacy lane, per-user OAuth grant (cached)', m.oauth, { cpuMsPerOp: cpu('oauth') });
    row('edgehub', 'tools/call, modern lane, static Authorization header', m.modFixed, { cpuMsPerOp: cpu('modFixed') });
    row('edgehub', 'tools/call, modern lane, per-user OAuth grant (cached)', m.modOauth, { cpuMsPerOp: cpu('modOauth') });
    const legacyExtra = round(m.oauth.p50 - m.fixed.p50);
    const modernExtra = round(m.modOauth.p50 - m.modFixed.p50);
    check('cached-grant call ≤ 0.5 ms p50 over a static header (legacy lane)', legacyExtra <= 0.5, `${legacyExtra} ms (${m.oauth.p50} vs ${m.fixed.p50})`);
    check(
      'cached-grant call ≤ 0.5 ms p50 over a static header (modern lane)',
      modernExtra <= 0.5,
      `${modernExtra} ms (${m.modOauth.p50} vs ${m.modFixed.p50})`,
    );
  } finally {
    await dev.stop();
    await up.close();
  }
}
