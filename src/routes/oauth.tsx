/**
 * Sign-in for MCP clients (AUTH_MODE=oauth): edgehub as the OAuth 2.1 authorization server of its
 * own resources, with people's identities from an OpenID Connect provider.
 *
 *   GET  /authorize        validate (client, exact redirect_uri, PKCE S256, resource), sign in at
 *                          the provider if needed, then consent (or a remembered grant) → code
 *   POST /authorize        the consent form: Approve → code, Deny → access_denied to the client
 *   POST /token            code exchange / refresh (rotating) / RFC 7009 revocation: the library's
 *   POST /register         RFC 7591 dynamic registration: the library's
 *   GET  /oauth/login      start a sign-in at the provider (?return_to=a local path)
 *   GET  /oauth/callback   the provider's redirect: code + PKCE + nonce → ID token → session
 *   POST /oauth/logout     end the sign-in session
 * A client_id that is a URL is a Client ID Metadata Document (oauth/cimd.ts), resolved before the
 * library reads the client. In any other mode these routes answer 404.
 *
 * Errors: before the client and its redirect_uri are validated, a page (never a redirect); after,
 * the OAuth error goes back to the client (`error`, `state`, `iss`). A provider that is down → 503
 * naming it. Pages carry the dashboard's CSP and headers; the consent POST is checked twice for
 * CSRF: same-origin (Origin / Sec-Fetch-Site) and the library's handle bound to this browser.
 */
import { AuthorizationError, type AuthRequest, authorizationErrorRedirect } from '@cloudflare/workers-oauth-provider';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { TokenBuckets } from '../auth/rate-limit';
import { crossSite, dashboardHeaders, sameOriginNull } from '../dashboard/security';
import { ConsentPage, MessagePage } from '../dashboard/sign-in';
import { readLimited } from '../middleware/body';
import { CimdError, ensureCimdClient } from '../oauth/cimd';
import { grantScopes, issueGrant, remembered } from '../oauth/grants';
import { type Identity, identityFromClaims } from '../oauth/identity';
import { authorizationUrl, discover, exchangeCode, ProviderError } from '../oauth/oidc';
import { authorizationServer, CALLBACK_PATH, oauthApi } from '../oauth/server';
import {
  createSession,
  endSession,
  LOGIN_COOKIE,
  LOGIN_TTL_SEC,
  randomId,
  readSession,
  SESSION_COOKIE,
  SESSION_TTL_SEC,
  s256,
  safeReturnTo,
  saveLogin,
  takeLogin,
} from '../oauth/session';
import { isOAuthMode, type OAuthEnv, type OAuthSettings, readOAuthSettings } from '../oauth/settings';
import { log } from '../observability/log';

type App = { Bindings: Env };
type C = Context<App>;

export const oauthRoutes = new Hono<App>();

const env = (c: C) => c.env as Env & OAuthEnv;
const kv = (c: C) => env(c).OAUTH_KV as KVNamespace;
const cookieOpts = (c: C, maxAge: number) => ({
  path: '/',
  httpOnly: true,
  secure: new URL(c.req.url).protocol === 'https:',
  sameSite: 'Lax' as const,
  maxAge,
});

function page(c: C, status: 400 | 403 | 500 | 503, title: string, message: string) {
  return c.html(<MessagePage title={title} message={message} />, status);
}

// Every route here exists only in oauth mode, and only once sign-in is configured. Paths are
// listed (never `*`): this app is mounted at the root.
export const OAUTH_PATHS = ['/authorize', '/token', '/register', '/oauth/*'];
for (const path of OAUTH_PATHS)
  oauthRoutes.use(path, async function oauthOnly(c, next) {
    if (!isOAuthMode(c.env)) return c.json({ error: 'not_found', message: 'sign-in routes exist only with AUTH_MODE=oauth' }, 404);
    const s = readOAuthSettings(env(c));
    if (s.problems.length) {
      log.error('oauth mode is misconfigured', { problems: s.problems });
      return c.json({ error: 'server_error', message: `sign-in is not configured: ${s.problems.join('; ')}` }, 503);
    }
    await next();
  });
// The consent form's Approve/Deny end in a redirect to the app: its origin joins `form-action`.
const FORM_TARGET = 'x-edgehub-form-target';
oauthRoutes.use(
  '/authorize',
  dashboardHeaders((c) => {
    const t = c.res.headers.get(FORM_TARGET);
    c.res.headers.delete(FORM_TARGET);
    return t ? [t] : [];
  }),
  sameOriginNull(),
);
oauthRoutes.use('/oauth/*', dashboardHeaders(), sameOriginNull());

const settingsOf = (c: C): OAuthSettings => readOAuthSettings(env(c));

/** Protocol endpoints the library serves itself (after a metadata-document client is resolved). */
async function library(c: C): Promise<Response> {
  return authorizationServer(settingsOf(c)).fetch(c.req.raw, env(c), c.executionCtx as ExecutionContext);
}

oauthRoutes.post('/token', async (c) => {
  const s = settingsOf(c);
  const text = await readLimited(c.req.raw.clone(), 64 * 1024);
  const clientId = text === null ? null : new URLSearchParams(text).get('client_id');
  if (clientId) {
    try {
      await ensureCimdClient(kv(c), clientId, s.allowPrivate);
    } catch (e) {
      if (!(e instanceof CimdError)) throw e;
      return c.json({ error: 'invalid_client', error_description: e.message }, 401);
    }
  }
  return library(c);
});
// Dynamic registration is open (MCP clients need it) but bounded per client address: a client
// registers once per install, so 60 a minute from one address is generous; past it 429.
const registrations = new TokenBuckets();
const REGISTRATIONS_PER_MINUTE = 60;
oauthRoutes.post('/register', async (c) => {
  const t = registrations.take(c.req.header('cf-connecting-ip') ?? 'unknown', REGISTRATIONS_PER_MINUTE);
  if (!t.ok)
    return c.json({ error: 'temporarily_unavailable', error_description: `too many registrations from this address; retry after ${t.retryAfterSec} s` }, 429, {
      'retry-after': String(t.retryAfterSec),
    });
  return library(c);
});
oauthRoutes.options('/register', library);
oauthRoutes.options('/token', library);

// --- the authorization endpoint --------------------------------------------------------------

async function complete(c: C, request: AuthRequest, who: Identity, scopes: string[], headers = new Headers()): Promise<Response> {
  const s = settingsOf(c);
  headers.set('location', await issueGrant(oauthApi(s, env(c)), s, request, who, scopes));
  log.info('oauth grant issued', { tenant: who.tenant, clientId: request.clientId, scopes: scopes.join(' ') });
  return new Response(null, { status: 302, headers });
}

function authorizeFailure(c: C, e: unknown): Response | Promise<Response> {
  if (e instanceof AuthorizationError) {
    if (e.redirectTo) return c.redirect(e.redirectTo, 302);
    return page(c, 400, 'This sign-in request is invalid', `${e.description} (${e.code}). Start again from your app.`);
  }
  if (e instanceof CimdError) return page(c, 400, 'This app could not be verified', e.message);
  if (e instanceof ProviderError) return page(c, 503, 'Sign-in is unavailable', e.message);
  throw e;
}

oauthRoutes.get('/authorize', async (c) => {
  const s = settingsOf(c);
  try {
    const clientId = c.req.query('client_id');
    if (!clientId) return page(c, 400, 'This sign-in request is invalid', 'client_id is missing. Start again from your app.');
    await ensureCimdClient(kv(c), clientId, s.allowPrivate);
    const api = oauthApi(s, env(c));
    if (!(await api.lookupClient(clientId)))
      return page(c, 400, 'Unknown app', `No app is registered as '${clientId}': it may have expired; remove and re-add the server in your app.`);
    const request = await api.parseAuthRequest(c.req.raw);
    const who = await readSession(kv(c), getCookie(c, SESSION_COOKIE));
    if (!who) return await startLogin(c, s, `${new URL(c.req.url).pathname}${new URL(c.req.url).search}`);
    const { scopes, refused } = grantScopes(request.scope, who);
    if (!scopes.length) return c.redirect(authorizationErrorRedirect(request, 'access_denied', `your account may not grant ${refused.join(' ')}`), 302);
    if (await remembered(oauthApi(s, env(c)), request, who, scopes)) return await complete(c, request, who, scopes);
    const facts = await api.describeConsent(request);
    const consent = await api.beginConsent(request);
    const html = await c.html(
      <ConsentPage
        action="/authorize"
        handle={consent.handle}
        clientName={facts.clientName}
        clientDomain={facts.clientDomain ?? (clientId.includes('://') ? new URL(clientId).host : undefined)}
        redirectHost={facts.redirectHost}
        redirectIsLoopback={facts.redirectIsLoopback}
        scopes={scopes}
        refused={refused}
        user={who}
      />,
    );
    consent.headers.forEach((v, k) => {
      html.headers.append(k, v);
    });
    html.headers.set(FORM_TARGET, new URL(request.redirectUri).origin);
    return html;
  } catch (e) {
    return authorizeFailure(c, e);
  }
});

oauthRoutes.post('/authorize', async (c) => {
  const why = crossSite(c);
  if (why) return page(c, 403, 'Request refused', `Cross-site form refused: ${why}.`);
  const text = await readLimited(c.req.raw.clone(), 16 * 1024);
  if (text === null) return page(c, 400, 'Request refused', 'Form too large.');
  const form = new URLSearchParams(text);
  const handle = form.get('handle') ?? '';
  const api = oauthApi(settingsOf(c), env(c));
  try {
    if (form.get('decision') !== 'approve') {
      const denied = await api.denyConsent(c.req.raw, handle, { description: 'the user denied access' });
      log.info('oauth consent denied', {});
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const who = await readSession(kv(c), getCookie(c, SESSION_COOKIE));
    if (!who) return page(c, 403, 'Signed out', 'Your sign-in ended before you approved. Start again from your app.');
    const approved = await api.approveConsent(c.req.raw, handle);
    const { scopes } = grantScopes(approved.request.scope, who);
    return await complete(c, approved.request, who, scopes, approved.headers);
  } catch (e) {
    if (e instanceof AuthorizationError && !e.redirectTo) return page(c, 400, 'This consent page has expired', `${e.description}. Start again from your app.`);
    return authorizeFailure(c, e);
  }
});

// --- sign-in at the OpenID provider ----------------------------------------------------------

async function startLogin(c: C, s: OAuthSettings, returnTo: string): Promise<Response> {
  const meta = await discover(s);
  const state = randomId();
  const nonce = randomId();
  const verifier = randomId(48);
  await saveLogin(kv(c), state, { nonce, verifier, returnTo });
  setCookie(c, LOGIN_COOKIE, state, cookieOpts(c, LOGIN_TTL_SEC));
  const url = authorizationUrl(s, meta, { state, nonce, codeChallenge: await s256(verifier), redirectUri: `${s.publicUrl}${CALLBACK_PATH}` });
  return c.redirect(url, 302);
}

oauthRoutes.get('/oauth/login', async (c) => {
  try {
    return await startLogin(c, settingsOf(c), safeReturnTo(c.req.query('return_to'), '/admin'));
  } catch (e) {
    if (e instanceof ProviderError) return page(c, 503, 'Sign-in is unavailable', e.message);
    throw e;
  }
});

oauthRoutes.get(CALLBACK_PATH, async (c) => {
  const s = settingsOf(c);
  const state = c.req.query('state') ?? '';
  const bound = getCookie(c, LOGIN_COOKIE);
  deleteCookie(c, LOGIN_COOKIE, cookieOpts(c, 0));
  if (!state || state !== bound)
    return page(c, 400, 'Sign-in failed', 'This sign-in was started in another browser or has expired. Start again from your app.');
  const tx = await takeLogin(kv(c), state);
  if (!tx) return page(c, 400, 'Sign-in failed', 'This sign-in has expired or was already used. Start again from your app.');
  const error = c.req.query('error');
  if (error) return signInRefused(c, tx.returnTo, `the provider answered '${error}' (${c.req.query('error_description') ?? 'no description'})`);
  try {
    const meta = await discover(s);
    const r = await exchangeCode(s, meta, c.req.query('code') ?? '', tx.verifier, `${s.publicUrl}${CALLBACK_PATH}`, tx.nonce);
    if (!r.ok) return page(c, 400, 'Sign-in failed', r.message);
    const who = identityFromClaims(r.claims, s);
    if (!who.ok) return signInRefused(c, tx.returnTo, who.message);
    const id = await createSession(kv(c), who.identity);
    setCookie(c, SESSION_COOKIE, id, cookieOpts(c, SESSION_TTL_SEC));
    log.info('signed in', { tenant: who.identity.tenant, admin: who.identity.scopes.includes('admin') });
    return c.redirect(tx.returnTo, 302);
  } catch (e) {
    if (e instanceof ProviderError) return page(c, 503, 'Sign-in is unavailable', e.message);
    throw e;
  }
});

/** A failed sign-in for an app: the app hears access_denied (with its state); a person sees the reason otherwise. */
async function signInRefused(c: C, returnTo: string, message: string): Promise<Response> {
  if (returnTo.startsWith('/authorize?')) {
    try {
      const request = await oauthApi(settingsOf(c), env(c)).parseAuthRequest(new Request(`${settingsOf(c).publicUrl}${returnTo}`));
      return c.redirect(authorizationErrorRedirect(request, 'access_denied', `sign-in refused: ${message}`), 302);
    } catch {
      /* the original request no longer validates: show the page */
    }
  }
  return page(c, 403, 'Sign-in refused', message);
}

oauthRoutes.post('/oauth/logout', async (c) => {
  const why = crossSite(c);
  if (why) return page(c, 403, 'Request refused', `Cross-site form refused: ${why}.`);
  await endSession(kv(c), getCookie(c, SESSION_COOKIE));
  deleteCookie(c, SESSION_COOKIE, cookieOpts(c, 0));
  return c.redirect('/admin/login', 303);
});
