/**
 * Admin dashboard at /admin: server-rendered Hono JSX, plain POST forms, one small script.
 *
 *   GET  /admin                          servers (state, breaker, latency, tools), secret names, recent audit
 *   GET  /admin/sessions | /admin/audit  live sessions; the audit log (paged with ?before=id)
 *   GET  /admin/profiles, POST /admin/profiles (save), POST /admin/profiles/:name/delete (dashboard-profiles.tsx)
 *   GET  /admin/trust                    quarantined tool definitions (diffs) and parked calls; POST …/approve|reject
 *   POST /admin/servers/:name/enable|disable|check, POST /admin/check   → 303 back, flash message
 *   GET|POST /admin/login, POST /admin/logout                          token login (jwt mode); in oauth mode a
 *                                                                      "Sign in" link to the provider, the session cookie
 *   GET  /admin/apps, POST /admin/apps/:grant/revoke                   connected apps of the signed-in person (oauth mode)
 *   GET  /admin/connections, POST /admin/connections/:server/connect|revoke  upstream sign-ins (src/vault/)
 *   GET  /admin/assets/:file             the CSS and JS (dashboard/assets.ts)
 *
 * Mounted before the /admin/* API chain (index.ts) so the login page is reachable; every other
 * page runs the same guards as the API: originGuard → authenticate({ scope: 'admin' }) → rateLimit,
 * after cookieBearer has turned the login cookie into an Authorization header. Reads and actions
 * go through the admin API's own handlers (dashboard/api.ts). Middleware is attached per path,
 * never with `*`: a `*` here would also match /admin/api/* and let the cookie authenticate the API.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { ASSETS } from '../dashboard/assets';
import { ErrorPage, LoginPage } from '../dashboard/auth-pages';
import { type ApiAudit, type ApiHealth, type ApiSecret, type ApiServer, type ApiSession, breakerStates, serverRows } from '../dashboard/model';
import { AuditPage, ServersPage, SessionsPage } from '../dashboard/pages';
import {
  BASE,
  CSRF_COOKIE,
  clearLoginCookie,
  cookieBearer,
  csrf,
  type DashVars,
  dashboardHeaders,
  hasLoginCookie,
  pastedToken,
  sameOriginNull,
  setFlash,
  setLoginCookie,
  takeFlash,
} from '../dashboard/security';
import { AppsPage, SignInPage } from '../dashboard/sign-in';
import { type AuthVars, authenticate } from '../middleware/auth';
import { listVar, originGuard } from '../middleware/origin';
import { rateLimit } from '../middleware/rate-limit';
import { oauthApi, userIdOf } from '../oauth/server';
import { endSession, readSession, SESSION_COOKIE } from '../oauth/session';
import { isOAuthMode, type OAuthEnv, readOAuthSettings } from '../oauth/settings';
import { adminCaller, back, must } from './dashboard-api';
import { connectionsDashboard } from './dashboard-connections';
import { profilesDashboard } from './dashboard-profiles';
import { trustDashboard } from './dashboard-trust';

type App = { Bindings: Env; Variables: AuthVars & DashVars & { form: URLSearchParams } };
type C = Context<App>;

export const dashboard = new Hono<App>();

const isDevOpen = (env: Env) => env.AUTH_MODE === 'dev-open';
const hostGuard = originGuard((env) => ({ devOpen: isDevOpen(env), allowedOrigins: listVar(env.ALLOWED_ORIGINS), allowedHosts: listVar(env.ALLOWED_HOSTS) }));

/** Refusals from the guards (JSON or text) become pages; a refused token sends the browser to the login page. */
function refusalsAsPages(): MiddlewareHandler<App> {
  return async function refusalsAsPages(c, next) {
    await next();
    const res = c.res;
    if (res.status < 400 || res.headers.get('content-type')?.includes('text/html')) return;
    const message = await messageOf(res);
    c.header('content-type', undefined);
    c.header('www-authenticate', undefined);
    if (res.status === 401 && !isDevOpen(c.env)) {
      if (hasLoginCookie(c)) setFlash(c, { kind: 'error', text: `Signed out: ${message}` });
      clearLoginCookie(c);
      c.res = c.redirect(`${BASE}/login`, 303);
      return;
    }
    const signedIn = hasLoginCookie(c);
    c.res = await c.html(<ErrorPage status={res.status} message={message} signedIn={signedIn} csrf={getCookie(c, CSRF_COOKIE)} />, res.status as 403);
  };
}

async function messageOf(res: Response): Promise<string> {
  const text = await res.clone().text();
  let message = text;
  try {
    const j = JSON.parse(text);
    message = j.message ?? j.error?.message ?? text;
  } catch {
    /* plain text */
  }
  message = String(message).replace(/^(Unauthorized|Forbidden): /, '');
  return message.length > 500 ? `${message.slice(0, 500)}…` : message || `HTTP ${res.status}`;
}

const guardedWith = (scope: 'admin' | undefined) =>
  [
    dashboardHeaders(),
    refusalsAsPages(),
    cookieBearer(),
    sameOriginNull(),
    hostGuard,
    authenticate({ scope, session: true }),
    rateLimit(),
    csrf(),
  ] as MiddlewareHandler<App>[];
const guarded = guardedWith('admin');
for (const path of ['/', '/sessions', '/audit', '/check', '/servers/*', '/profiles/*', '/trust', '/trust/*']) dashboard.use(path, ...guarded);
// Anyone signed in may see and revoke their own connected apps and upstream sign-ins (no admin scope needed).
for (const path of ['/apps', '/apps/*', '/connections', '/connections/*']) dashboard.use(path, ...guardedWith(undefined));
for (const path of ['/login', '/logout'])
  dashboard.use(path, ...([dashboardHeaders(), refusalsAsPages(), sameOriginNull(), hostGuard, csrf()] as MiddlewareHandler<App>[]));
dashboard.use('/assets/*', dashboardHeaders());

const api = (c: C) => adminCaller(c.env, c.executionCtx, c.get('principal'));

function chrome(c: C, title: string, configVersion?: number) {
  const p = c.get('principal');
  return {
    title,
    csrf: c.get('csrf'),
    flash: takeFlash(c),
    configVersion,
    user: { sub: p.sub, tenant: p.tenant, devOpen: isDevOpen(c.env), oauth: isOAuthMode(c.env) },
  };
}

dashboard.get('/', async (c) => {
  const call = api(c);
  const [servers, health, metrics, sessions, audit, secrets] = await Promise.all([
    call<{ version: number; servers: ApiServer[] }>('GET', '/servers'),
    call<{ health: ApiHealth[] }>('GET', '/health'),
    call('GET', '/metrics'),
    call<{ sessions: ApiSession[] }>('GET', '/sessions'),
    call<{ audit: ApiAudit[] }>('GET', '/audit?limit=10'),
    call<{ secrets: ApiSecret[] }>('GET', '/secrets'),
  ]);
  const s = must(servers, 'GET /servers');
  const rows = serverRows(s.servers, must(health, 'GET /health').health, breakerStates(metrics.ok ? metrics.text : ''));
  return c.html(
    <ServersPage
      {...chrome(c, 'Servers', s.version)}
      csrf={c.get('csrf')}
      rows={rows}
      sessions={must(sessions, 'GET /sessions').sessions.length}
      audit={must(audit, 'GET /audit').audit}
      secrets={must(secrets, 'GET /secrets').secrets}
      now={Date.now()}
    />,
  );
});

dashboard.get('/sessions', async (c) => {
  const call = api(c);
  const [sessions, servers] = await Promise.all([call<{ sessions: ApiSession[] }>('GET', '/sessions'), call<{ version: number }>('GET', '/servers')]);
  return c.html(
    <SessionsPage {...chrome(c, 'Sessions', must(servers, 'GET /servers').version)} sessions={must(sessions, 'GET /sessions').sessions} now={Date.now()} />,
  );
});

dashboard.get('/audit', async (c) => {
  const limit = 50;
  const before = /^\d+$/.test(c.req.query('before') ?? '') ? `&before=${c.req.query('before')}` : '';
  const call = api(c);
  const [audit, servers] = await Promise.all([
    call<{ audit: ApiAudit[] }>('GET', `/audit?limit=${limit}${before}`),
    call<{ version: number }>('GET', '/servers'),
  ]);
  return c.html(
    <AuditPage {...chrome(c, 'Audit log', must(servers, 'GET /servers').version)} rows={must(audit, 'GET /audit').audit} now={Date.now()} limit={limit} />,
  );
});

type CheckResult = { ok: boolean; tools?: number; error?: string; ms: number };
const describeCheck = (name: string, r: CheckResult) =>
  r.ok ? `${name}: up, ${r.tools ?? 0} tools in ${r.ms} ms` : `${name}: down (${r.error ?? 'failed'}) after ${r.ms} ms`;

dashboard.post('/servers/:name/:action', async (c) => {
  const name = c.req.param('name');
  const action = c.req.param('action');
  const path = `/servers/${encodeURIComponent(name)}`;
  if (action === 'enable' || action === 'disable') {
    const r = await api(c)<{ version: number }>('POST', `${path}/${action}`);
    return back(c, r.ok, r.ok ? `Server '${name}' ${action}d (config v${r.json.version}).` : `Could not ${action} '${name}': ${r.message}`);
  }
  if (action === 'check') {
    const r = await api(c)<{ results: Record<string, CheckResult> }>('POST', '/check', { servers: [name] });
    const result = r.ok ? r.json.results[name] : undefined;
    if (!result) return back(c, false, `Check of '${name}' failed: ${r.ok ? 'no such server' : r.message}`);
    return back(c, result.ok, describeCheck(name, result));
  }
  return c.text(`unknown action '${action}'`, 404);
});

dashboard.post('/check', async (c) => {
  const r = await api(c)<{ results: Record<string, CheckResult> }>('POST', '/check', {});
  if (!r.ok) return back(c, false, `Check failed: ${r.message}`);
  const entries = Object.entries(r.json.results);
  const down = entries.filter(([, x]) => !x.ok);
  return back(
    c,
    down.length === 0,
    `Checked ${entries.length} servers: ${entries.length - down.length} up${down.length ? `; ${down.map(([n, x]) => describeCheck(n, x)).join('; ')}` : ''}.`,
  );
});

dashboard.route('/profiles', profilesDashboard(api, chrome));
dashboard.route('/trust', trustDashboard(api, chrome));

// --- login / logout (public: no token yet) ---------------------------------------------------

/** The API's own verification, run on the pasted token: same keys, issuer, audience, scope. */
const verifier = new Hono<App>().get('*', authenticate({ scope: 'admin' }), (c) => c.json({ sub: c.get('principal').sub }));

dashboard.get('/login', async (c) => {
  if (isOAuthMode(c.env)) {
    const kv = (c.env as Env & OAuthEnv).OAUTH_KV;
    if (kv && (await readSession(kv, getCookie(c, SESSION_COOKIE)))) return c.redirect(BASE, 303);
    return c.html(<SignInPage provider={readOAuthSettings(c.env as Env & OAuthEnv).oidcIssuer} flash={takeFlash(c)} />);
  }
  if (isDevOpen(c.env) || hasLoginCookie(c)) return c.redirect(BASE, 303);
  return c.html(<LoginPage csrf={c.get('csrf')} flash={takeFlash(c)} />);
});

dashboard.post('/login', async (c) => {
  if (isDevOpen(c.env) || isOAuthMode(c.env)) return c.redirect(`${BASE}/login`, 303);
  const token = pastedToken(c.get('form').get('token') ?? '');
  if (!token) return c.html(<LoginPage csrf={c.get('csrf')} error="That is not a JWT access token (three base64url parts separated by dots)." />, 400);
  const headers = new Headers(c.req.raw.headers);
  for (const h of ['content-type', 'content-length', 'cookie']) headers.delete(h);
  headers.set('authorization', `Bearer ${token}`);
  const res = await verifier.fetch(new Request(c.req.url, { headers }), c.env, c.executionCtx);
  if (!res.ok) return c.html(<LoginPage csrf={c.get('csrf')} error={`Token refused: ${await messageOf(res)}`} />, res.status as 401);
  const { sub } = (await res.json()) as { sub: string };
  setLoginCookie(c, token);
  setFlash(c, { kind: 'ok', text: `Signed in as ${sub}.` });
  return c.redirect(BASE, 303);
});

dashboard.post('/logout', async (c) => {
  clearLoginCookie(c);
  if (isOAuthMode(c.env)) {
    const kv = (c.env as Env & OAuthEnv).OAUTH_KV;
    if (kv) await endSession(kv, getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
  }
  if (isDevOpen(c.env)) return c.redirect(BASE, 303);
  setFlash(c, { kind: 'ok', text: 'Signed out.' });
  return c.redirect(`${BASE}/login`, 303);
});

// --- connected apps (oauth mode): the grants this person gave, each revocable ------------------

dashboard.get('/apps', async (c) => {
  const p = c.get('principal');
  if (!isOAuthMode(c.env)) return c.html(<AppsPage {...chrome(c, 'Connected apps')} csrf={c.get('csrf')} apps={null} />);
  const env = c.env as Env & OAuthEnv;
  const api = oauthApi(readOAuthSettings(env), env);
  const grants = (await api.listUserGrants(userIdOf(p), { limit: 100 })).items;
  const apps = await Promise.all(
    grants.map(async (g) => ({
      grantId: g.id,
      clientId: g.clientId,
      clientName: (await api.lookupClient(g.clientId).catch(() => null))?.clientName ?? g.clientId,
      scopes: g.scope,
      createdAt: g.createdAt,
    })),
  );
  return c.html(<AppsPage {...chrome(c, 'Connected apps')} csrf={c.get('csrf')} apps={apps.sort((a, b) => b.createdAt - a.createdAt)} />);
});

dashboard.post('/apps/:grant/revoke', async (c) => {
  if (!isOAuthMode(c.env)) return c.text('connected apps exist in oauth mode only', 404);
  const env = c.env as Env & OAuthEnv;
  // revokeGrant checks the grant belongs to this user id: nobody revokes another person's grant.
  await oauthApi(readOAuthSettings(env), env).revokeGrant(c.req.param('grant'), userIdOf(c.get('principal')));
  setFlash(c, { kind: 'ok', text: 'Access revoked: the app must sign in again.' });
  return c.redirect(`${BASE}/apps`, 303);
});

dashboard.route('/connections', connectionsDashboard(chrome));

dashboard.get('/assets/:file', (c) => {
  const a = ASSETS[c.req.param('file')];
  if (!a) return c.text('not found', 404);
  return c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' });
});
