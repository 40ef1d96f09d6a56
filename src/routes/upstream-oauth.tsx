/**
 * Upstream sign-in (src/vault/): the browser side of connecting an OAuth-protected upstream.
 *
 *   GET  /oauth/client.json          edgehub's Client ID Metadata Document (PUBLIC_URL must be set)
 *   GET  /oauth/upstream/start?h=…   the confirmation page: which server, which principal
 *   POST /oauth/upstream/start       consume the single-use link, start PKCE + state at the server
 *   GET  /oauth/upstream/callback    the server's redirect: state, `iss`, code → grant in the vault
 *
 * Binding the browser to the principal (URL elicitation's phishing check):
 * - oauth mode: the browser must be signed in to edgehub (issue 17's session) as that principal;
 * - dev-open: there is one principal;
 * - jwt mode: possession of the link (single use, 10 minutes, 256 random bits) and a confirmation
 *   page that names the principal. Residual risk (SECURITY.md): a person tricked into opening
 *   someone else's link, and confirming despite the name, links their upstream account to the
 *   other principal.
 * The flow's `state` is also bound to the browser that confirmed (cookie `edgehub_upstream`), so a
 * redirect carried to another browser is refused. Works in any mode; pages carry the dashboard's
 * CSP and headers, and are plain forms (no script).
 */
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { TokenBuckets } from '../auth/rate-limit';
import { crossSite, dashboardHeaders, sameOriginNull } from '../dashboard/security';
import { MessagePage } from '../dashboard/sign-in';
import { UpstreamConfirmPage, UpstreamDonePage } from '../dashboard/upstream-pages';
import { readLimited } from '../middleware/body';
import { readSession, SESSION_COOKIE } from '../oauth/session';
import { isOAuthMode } from '../oauth/settings';
import { notifyGrant } from '../runtime/grant-notify';
import { vaultStub } from '../utils/do-stubs';
import { START_PATH } from '../vault/client';
import { parseRef, type VaultRef } from '../vault/refs';
import { CALLBACK_PATH, CLIENT_DOCUMENT_PATH, type Failure, publicUrlOf } from '../vault/service';

type App = { Bindings: Env };
type C = Context<App>;

export const upstreamOAuthRoutes = new Hono<App>();

const FLOW_COOKIE = 'edgehub_upstream';
const FORM_TARGET = 'x-edgehub-form-target';

// Public pages (no token): bounded per client address. A person needs a handful per sign-in.
const pageBuckets = new TokenBuckets();
const PAGES_PER_MINUTE = 120;
upstreamOAuthRoutes.use('/oauth/upstream/*', async function upstreamPagesLimit(c, next) {
  const t = pageBuckets.take(c.req.header('cf-connecting-ip') ?? 'unknown', PAGES_PER_MINUTE);
  if (!t.ok) return c.text(`too many requests; retry after ${t.retryAfterSec} s`, 429, { 'retry-after': String(t.retryAfterSec) });
  await next();
});
upstreamOAuthRoutes.use(
  '/oauth/upstream/*',
  dashboardHeaders((c) => {
    const t = c.res.headers.get(FORM_TARGET);
    c.res.headers.delete(FORM_TARGET);
    return t ? [t] : [];
  }),
  sameOriginNull(),
);

const STATUS: Record<Failure['reason'], 400 | 503> = { expired: 400, refused: 400, unreachable: 503, config: 503 };

function message(c: C, status: 400 | 403 | 503, title: string, text: string) {
  return c.html(<MessagePage title={title} message={text} />, status);
}

upstreamOAuthRoutes.get(CLIENT_DOCUMENT_PATH, (c) => {
  const base = publicUrlOf(c.env);
  if (!base) return c.json({ error: 'not_found', message: 'PUBLIC_URL is not set' }, 404);
  return c.json(
    {
      client_id: `${base}${CLIENT_DOCUMENT_PATH}`,
      client_name: 'edgehub',
      client_uri: base,
      redirect_uris: [`${base}${CALLBACK_PATH}`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    200,
    { 'cache-control': 'public, max-age=3600' },
  );
});

/** oauth mode: the browser must be signed in to edgehub as the link's principal. */
async function signedInAs(c: C, tenant: string, sub: string): Promise<Response | null> {
  if (!isOAuthMode(c.env)) return null;
  const kv = (c.env as { OAUTH_KV?: KVNamespace }).OAUTH_KV;
  const who = kv ? await readSession(kv, getCookie(c, SESSION_COOKIE)) : null;
  if (!who) return c.redirect(`/oauth/login?return_to=${encodeURIComponent(`${START_PATH}?h=${c.req.query('h') ?? ''}`)}`, 302);
  if (who.tenant !== tenant || who.sub !== sub)
    return message(c, 403, 'Wrong account', `This link is for ${sub} in tenant ${tenant}, but this browser is signed in to edgehub as someone else.`);
  return null;
}

async function describe(c: C, handle: string | undefined) {
  const ref = parseRef(handle);
  if (!ref || !handle) return { error: message(c, 400, 'Invalid link', 'This is not an edgehub sign-in link.') };
  const d = await vaultStub(c.env, ref.tenant, ref.sub).describe(ref, handle);
  if (!d.ok) return { error: message(c, STATUS[d.reason], 'Cannot connect', d.message) };
  return { ref, d };
}

upstreamOAuthRoutes.get(START_PATH, async (c) => {
  const handle = c.req.query('h');
  const r = await describe(c, handle);
  if (r.error) return r.error;
  const { ref, d } = r;
  const refusal = await signedInAs(c, ref.tenant, d.by);
  if (refusal) return refusal;
  c.header(FORM_TARGET, d.authorizationOrigin);
  return c.html(
    <UpstreamConfirmPage
      server={d.server}
      resource={d.resource}
      issuer={d.issuer}
      tenant={ref.tenant}
      principal={d.by}
      shared={d.shared}
      handle={handle as string}
      action={START_PATH}
    />,
  );
});

upstreamOAuthRoutes.post(START_PATH, async (c) => {
  const why = crossSite(c);
  if (why) return message(c, 403, 'Refused', `cross-site request refused: ${why}`);
  const body = await readLimited(c.req.raw, 8 * 1024);
  const handle = body === null ? undefined : (new URLSearchParams(body).get('handle') ?? undefined);
  const r = await describe(c, handle);
  if (r.error) return r.error;
  const { ref, d } = r;
  const refusal = await signedInAs(c, ref.tenant, d.by);
  if (refusal) return refusal;
  const started = await vaultStub(c.env, ref.tenant, ref.sub).begin(ref, handle as string);
  if (!started.ok) return message(c, STATUS[started.reason], 'Cannot connect', started.message);
  setCookie(c, FLOW_COOKIE, started.state, {
    path: '/oauth/upstream',
    httpOnly: true,
    secure: new URL(c.req.url).protocol === 'https:',
    sameSite: 'Lax',
    maxAge: 600,
  });
  return c.redirect(started.url, 302);
});

upstreamOAuthRoutes.get(CALLBACK_PATH, async (c) => {
  const url = new URL(c.req.url);
  const state = url.searchParams.get('state');
  const ref: VaultRef | null = parseRef(state);
  if (!ref || !state) return message(c, 400, 'Sign-in refused', 'The authorization server sent an unknown state: start again from your MCP client.');
  // The flow is bound to the browser that confirmed it.
  if (getCookie(c, FLOW_COOKIE) !== state)
    return message(c, 400, 'Sign-in refused', 'This sign-in was started in another browser (or already finished): start again from your MCP client.');
  deleteCookie(c, FLOW_COOKIE, { path: '/oauth/upstream' });
  const done = await vaultStub(c.env, ref.tenant, ref.sub).complete(ref, state, url.search);
  if (!done.ok) return message(c, STATUS[done.reason], 'Sign-in refused', done.message);
  await notifyGrant(c.env, ref.tenant, ref.sub, done.server, done.elicitationId);
  return c.html(<UpstreamDonePage server={done.server} />);
});
