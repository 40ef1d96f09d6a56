/**
 * Authentication: sets the request's Principal, or answers 401/403 (fails closed). Modes (AUTH_MODE):
 * - `jwt` (default; any value but `dev-open`): Bearer JWT verified by auth/verify.ts against
 *   AUTH_PUBLIC_KEY and/or AUTH_JWKS_URL, AUTH_ISSUER and the audience. With no key or issuer
 *   configured every request is refused with a message saying what to configure.
 * - `oauth`: edgehub is its own authorization server (src/oauth): the Bearer token is one it issued,
 *   validated by the provider library for PUBLIC_URL (or PUBLIC_URL/mcp on /mcp); the grant's props
 *   give sub and tenant, the token its scopes. The dashboard (`session: true`) also accepts the
 *   sign-in session cookie. Everything after (scopes, rate limits, challenges) is the jwt path's.
 * - `dev-open`: everyone is the local developer (all scopes, tenant "default"). originGuard already
 *   refuses non-loopback Hosts in this mode; this middleware checks again (Host, URL and Origin)
 *   so one misconfigured mount cannot expose an open instance.
 * `scope` is the transport-level minimum for the mount (MCP: `mcp:read`; per-tool scopes are the
 * gateway's, via auth/scopes.ts requiredScope). The token is never logged or echoed.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { keyRing } from '../auth/keys';
import type { Principal } from '../auth/principal';
import { TokenBuckets } from '../auth/rate-limit';
import { SCOPES, type Scope } from '../auth/scopes';
import { type AuthEnv, CLOCK_TOLERANCE_SEC, readAuthSettings, resourceMetadataUrl } from '../auth/settings';
import { verifyAccessToken } from '../auth/verify';
import { isLoopback } from '../net/loopback.mjs';
import { isAdmin, isAllowed } from '../oauth/identity';
import { principalFromToken } from '../oauth/server';
import { readSession, SESSION_COOKIE } from '../oauth/session';
import { type OAuthEnv, readOAuthSettings } from '../oauth/settings';
import { log } from '../observability/log';
import { type ChallengeContext, forbidden, insufficientScope, rateLimited, unauthorized, unavailable } from './challenge';

/**
 * Requests that fail authentication, counted per client IP (CF-Connecting-IP, set by Cloudflare's
 * edge and not forgeable there): past AUTH_FAILURES_PER_MINUTE (default 120; 0 = off) the IP gets
 * 429 before any token work, until its bucket refills. In-isolate, like the per-principal limit.
 */
const authFailures = new TokenBuckets();
const DEFAULT_AUTH_FAILURES_PER_MINUTE = 120;

/** The bucket of a client address: an IPv4 address, or an IPv6 /64 (one host's usual allocation). */
function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (!ip.includes(':')) return ip;
  const [h, t] = ip.toLowerCase().split('::');
  const head = h ? h.split(':') : [];
  const tail = t === undefined ? [] : t ? t.split(':') : [];
  const groups = t === undefined ? head : [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function failureLimit(env: Env): number {
  const v = (env as Env & { AUTH_FAILURES_PER_MINUTE?: string }).AUTH_FAILURES_PER_MINUTE;
  if (v === undefined || v.trim() === '') return DEFAULT_AUTH_FAILURES_PER_MINUTE;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_AUTH_FAILURES_PER_MINUTE;
}

export const ALL_SCOPES = SCOPES;
export const DEV_PRINCIPAL: Principal = Object.freeze({ sub: 'dev', tenant: 'default', scopes: ALL_SCOPES });

export type AuthVars = { principal: Principal };

export interface AuthOptions {
  /** Scope every request on this mount needs (fixed, or derived from the request). */
  scope?: Scope | ((req: Request) => Scope);
  /** Also accept `Authorization: Basic base64(user:token)` (git clients) and offer it in challenges. */
  basic?: boolean;
  /** Errors as JSON-RPC bodies (the MCP endpoint). */
  jsonRpc?: boolean;
  /** oauth mode: a request without Authorization may use the sign-in session cookie (dashboard only: it has CSRF checks). */
  session?: boolean;
}

type Credentials = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'malformed' };

function credentials(header: string | undefined, basic: boolean): Credentials {
  if (!header?.trim()) return { kind: 'none' };
  const bearer = /^\s*Bearer(?:\s+(.*))?$/is.exec(header as string);
  if (bearer) {
    const t = (bearer[1] ?? '').trim();
    return t && !/\s/.test(t) ? { kind: 'token', token: t } : { kind: 'malformed' };
  }
  const b = basic ? /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (b) {
    let decoded: string;
    try {
      decoded = atob(b[1]);
    } catch {
      return { kind: 'malformed' };
    }
    const i = decoded.indexOf(':');
    const user = i < 0 ? decoded : decoded.slice(0, i);
    const pass = i < 0 ? '' : decoded.slice(i + 1);
    const t = pass || user; // `https://TOKEN@host/...` puts the token in the user part
    return t ? { kind: 'token', token: t } : { kind: 'malformed' };
  }
  // Another scheme (Basic on /mcp, Digest, ...) carries no credentials we understand (RFC 6750 §3.1).
  return { kind: 'none' };
}

function neededScope(opts: AuthOptions, req: Request): Scope | undefined {
  return typeof opts.scope === 'function' ? opts.scope(req) : opts.scope;
}

export function authenticate(opts: AuthOptions = {}): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async function authenticate(c, next) {
    const env = c.env as Env & AuthEnv;
    const settings = readAuthSettings(env, c.req.url);
    const ctx: ChallengeContext = {
      jsonRpc: !!opts.jsonRpc,
      // oauth mode: /mcp is its own resource (PUBLIC_URL/mcp, oauth/server.ts), so its challenge names its metadata.
      resourceMetadata: resourceMetadataUrl(settings.mode === 'oauth' && isMcpPath(c.req.url) ? `${settings.resource}/mcp` : settings.resource),
      basicRealm: opts.basic ? 'edgehub' : undefined,
    };

    if (settings.mode === 'dev-open') {
      const host = c.req.header('host') ?? new URL(c.req.url).host;
      const origin = c.req.header('origin');
      if (!isLoopback(host) || !isLoopback(new URL(c.req.url).host) || (origin !== undefined && !isLoopback(origin)))
        return forbidden(ctx, 'dev-open mode serves loopback Host and Origin only');
      c.set('principal', DEV_PRINCIPAL);
      return next();
    }

    const ip = clientKey(c.req.header('cf-connecting-ip'));
    const perMinute = failureLimit(c.env);
    const wait = authFailures.waitSec(ip, perMinute);
    if (wait > 0) return rateLimited(ctx, wait);
    const res = settings.mode === 'oauth' ? await verifyOAuth(c, opts, ctx) : await verify(c, opts, settings, ctx);
    if (res instanceof Response) {
      // A request without credentials is the normal first step (a git command, OAuth discovery):
      // only a credential that failed counts.
      if (res.status === 401 && c.req.header('authorization')) authFailures.take(ip, perMinute);
      return res;
    }
    c.set('principal', res);
    return next();
  };
}

/** jwt mode: the request's Principal, or the refusal (401/403/503). */
async function verify(c: Context, opts: AuthOptions, settings: ReturnType<typeof readAuthSettings>, ctx: ChallengeContext): Promise<Principal | Response> {
  const scope = neededScope(opts, c.req.raw);
  const cred = credentials(c.req.header('authorization'), !!opts.basic);
  if (settings.problems.length)
    return unauthorized(ctx, `edgehub is in jwt mode but cannot verify tokens: ${settings.problems.join('; ')}`, {
      invalidToken: cred.kind !== 'none',
      scope: scope ?? 'mcp:read mcp:call',
    });
  if (cred.kind === 'none') return unauthorized(ctx, 'a Bearer access token is required', { invalidToken: false, scope: challengeScope(scope) });
  if (cred.kind === 'malformed') return refuse(c, ctx, 'malformed', 'the Authorization header is malformed');

  const keys = await keyRing({ publicKey: settings.publicKey, jwksUrl: settings.jwksUrl });
  if (keys.errors.length) {
    log.error('auth key configuration is unusable', { problems: keys.errors });
    return unauthorized(ctx, `edgehub cannot verify tokens: ${keys.errors.join('; ')}`, { invalidToken: true });
  }
  const r = await verifyAccessToken(cred.token, {
    keys,
    issuer: settings.issuer,
    audience: settings.audience,
    clockToleranceSec: CLOCK_TOLERANCE_SEC,
    defaultScopes: settings.defaultScopes,
  });
  if (!r.ok) {
    if (r.reason === 'keys_unavailable') {
      log.warn('auth JWKS unavailable', { mount: c.req.routePath });
      return unavailable(ctx, r.message);
    }
    return refuse(c, ctx, r.reason, r.message);
  }
  if (scope && !r.principal.scopes.includes(scope)) return insufficientScope(ctx, scope);
  return r.principal;
}

const isMcpPath = (url: string) => /^\/mcp(\/|$)/.test(new URL(url).pathname);

/** oauth mode: the request's Principal from an access token edgehub issued (or the dashboard's session). */
async function verifyOAuth(c: Context, opts: AuthOptions, ctx: ChallengeContext): Promise<Principal | Response> {
  const scope = neededScope(opts, c.req.raw);
  const env = c.env as Env & OAuthEnv;
  const settings = readOAuthSettings(env);
  const cred = credentials(c.req.header('authorization'), !!opts.basic);
  if (settings.problems.length)
    return unauthorized(ctx, `edgehub is in oauth mode but sign-in is not configured: ${settings.problems.join('; ')}`, {
      invalidToken: cred.kind !== 'none',
      scope: scope ?? 'mcp:read mcp:call',
    });
  let principal: Principal | null = null;
  try {
    if (cred.kind === 'none' && opts.session) {
      const id = getCookie(c, SESSION_COOKIE);
      const who = id ? await readSession(env.OAUTH_KV as KVNamespace, id) : null;
      if (who && isAllowed(settings, who.sub, who.email))
        principal = {
          sub: who.sub,
          tenant: who.tenant,
          scopes: who.scopes.filter((s) => s !== 'admin' || isAdmin(settings, who.sub, who.email)),
          ...(who.claims ? { claims: who.claims } : {}),
        };
    }
    if (!principal) {
      if (cred.kind === 'none') return unauthorized(ctx, 'a Bearer access token is required', { invalidToken: false, scope: challengeScope(scope) });
      if (cred.kind === 'malformed') return refuse(c, ctx, 'malformed', 'the Authorization header is malformed');
      principal = await principalFromToken(settings, env, cred.token, new URL(c.req.url).pathname);
    }
  } catch (e) {
    log.warn('oauth token store unavailable', { mount: c.req.routePath, error: e });
    return unavailable(ctx, 'the token store is unavailable; retry later');
  }
  if (!principal)
    return refuse(c, ctx, 'unknown_token', 'the access token is not valid here (expired, revoked, or issued for another resource); sign in again');
  if (scope && !principal.scopes.includes(scope)) return insufficientScope(ctx, scope);
  return principal;
}

/** In a 401 without a token, advise the scopes a client should ask for on this mount. */
function challengeScope(scope: Scope | undefined): string | undefined {
  return scope === 'mcp:read' ? 'mcp:read mcp:call' : scope;
}

function refuse(c: Context, ctx: ChallengeContext, reason: string, message: string): Response {
  // One line per refusal, with the reason only: never the token, never its claims.
  log.info('access token refused', { reason, method: c.req.method, mount: c.req.routePath });
  return unauthorized(ctx, message, { invalidToken: true });
}
