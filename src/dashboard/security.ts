/**
 * The dashboard's browser-facing guards: response security headers, the login cookie turned into
 * an Authorization header (so the API's own `authenticate` verifies it), CSRF, and flash messages.
 *
 * - Login cookie `edgehub_admin`: the pasted JWT, HttpOnly, SameSite=Strict, Path=/admin, Secure
 *   on https, expiring with the token (at most 12 h). Only dashboard pages read it; /admin/api
 *   never does (API callers send Authorization themselves, so the API needs no CSRF defence).
 * - CSRF, three layers for every dashboard POST: the SameSite=Strict cookies, a same-origin check
 *   (Origin, else Sec-Fetch-Site; a cross-site, `null` or unknown origin is refused; see
 *   sameOriginNull for the `null` that no-referrer causes), and a double-submit
 *   token: a random `edgehub_csrf` cookie that each form echoes in `_csrf` (dev-open has no login
 *   to bind a token to, so the token is random rather than derived from the session).
 * - CSP `default-src 'none'`: scripts and styles from self only, no inline code or handlers.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import { readLimited } from '../middleware/body';
import { randomToken } from '../utils/bytes';

export const TOKEN_COOKIE = 'edgehub_admin';
export const CSRF_COOKIE = 'edgehub_csrf';
export const FLASH_COOKIE = 'edgehub_flash';
export const BASE = '/admin';
const MAX_SESSION_SEC = 12 * 3600;

export type Flash = { kind: 'ok' | 'error'; text: string };
export type DashVars = { csrf: string };

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';
const cookieOpts = (c: Context, maxAge?: number) => ({
  path: BASE,
  httpOnly: true,
  secure: isHttps(c),
  sameSite: 'Strict' as const,
  ...(maxAge ? { maxAge } : {}),
});

/**
 * The CSP of a page whose form ends in a redirect to other origins: CSP `form-action` also governs
 * the redirects after a submission (browsers block them), so the consent page names the app's
 * redirect origin there. Origins only (scheme://host:port), never a wildcard.
 */
export function cspWithFormTargets(origins: readonly string[]): string {
  const ok = origins.filter((o) => /^https?:\/\/[A-Za-z0-9.[\]:-]+$/.test(o));
  return ok.length ? CSP.replace("form-action 'self'", `form-action 'self' ${ok.join(' ')}`) : CSP;
}

/**
 * Security headers on every dashboard response, whoever produced it (page, redirect, refusal).
 * `formTargets` (the consent page): extra origins its form may end up at (cspWithFormTargets).
 */
export function dashboardHeaders(formTargets?: (c: Context) => readonly string[]): MiddlewareHandler {
  return async function dashboardHeaders(c, next) {
    await next();
    for (const [k, v] of Object.entries(HEADERS)) c.res.headers.set(k, v);
    const extra = formTargets?.(c);
    if (extra?.length) c.res.headers.set('content-security-policy', cspWithFormTargets(extra));
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  };
}

/**
 * The login cookie becomes `Authorization: Bearer …` for this request (unless the request already
 * carries Authorization), so the unchanged `authenticate({ scope: 'admin' })` verifies it.
 * `c.req.raw` is replaced because incoming request headers are immutable in Workers.
 */
export function cookieBearer(): MiddlewareHandler {
  return async function cookieBearer(c, next) {
    const token = getCookie(c, TOKEN_COOKIE);
    if (token && !c.req.header('authorization')) {
      const headers = new Headers(c.req.raw.headers);
      headers.set('authorization', `Bearer ${token}`);
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  };
}

/**
 * `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on the dashboard's own form
 * posts (Fetch §serializing a request origin). When the browser-set `Sec-Fetch-Site: same-origin`
 * vouches for the request, the Origin is restored to this origin so originGuard and the CSRF check
 * see the truth; any other `null` Origin stays and is refused.
 */
export function sameOriginNull(): MiddlewareHandler {
  return async function sameOriginNull(c, next) {
    if (c.req.header('origin') === 'null' && c.req.header('sec-fetch-site') === 'same-origin') {
      const headers = new Headers(c.req.raw.headers);
      headers.set('origin', new URL(c.req.url).origin);
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  };
}

/** A pasted token, cleaned: "Bearer " prefix and whitespace dropped; null unless JWT-shaped. */
export function pastedToken(input: string): string | null {
  const t = input.trim().replace(/^Bearer\s+/i, '');
  return t.length <= 3800 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t) ? t : null;
}

export function setLoginCookie(c: Context, token: string): void {
  let exp: number | undefined;
  try {
    exp = decodeJwt(token).exp; // already verified by the caller; only read for the cookie lifetime
  } catch {
    /* unreadable: session cookie */
  }
  const left = exp ? Math.min(MAX_SESSION_SEC, exp - Math.floor(Date.now() / 1000)) : MAX_SESSION_SEC;
  setCookie(c, TOKEN_COOKIE, token, cookieOpts(c, Math.max(1, left)));
}

export function clearLoginCookie(c: Context): void {
  deleteCookie(c, TOKEN_COOKIE, cookieOpts(c));
}

export const hasLoginCookie = (c: Context) => !!getCookie(c, TOKEN_COOKIE);

function sameValue(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Why a POST is refused as cross-site, or null when it comes from this origin. */
export function crossSite(c: Context): string | null {
  const origin = c.req.header('origin');
  if (origin !== undefined) return origin === new URL(c.req.url).origin ? null : `Origin '${origin}' is not this dashboard's origin`;
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? null : `Sec-Fetch-Site '${site}' is not same-origin`;
  return 'the request carries neither Origin nor Sec-Fetch-Site';
}

/**
 * GET: make sure the browser holds a CSRF cookie; expose it as `c.var.csrf` for the forms.
 * POST: refuse (403) unless same-origin and the form's `_csrf` equals the cookie. The form body is
 * read here (bounded) and handed on as `c.var.form`.
 */
export function csrf(): MiddlewareHandler<{ Variables: DashVars & { form: URLSearchParams } }> {
  return async function csrf(c, next) {
    let token = getCookie(c, CSRF_COOKIE);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      if (!token || !/^[A-Za-z0-9_-]{32}$/.test(token)) {
        token = randomToken(24);
        setCookie(c, CSRF_COOKIE, token, cookieOpts(c));
      }
      c.set('csrf', token);
      return next();
    }
    const why = crossSite(c);
    if (why) return refusal(c, `Cross-site request refused: ${why}.`);
    const text = await readLimited(c.req.raw, 16 * 1024);
    if (text === null) return refusal(c, 'Form too large.', 413);
    const form = new URLSearchParams(text);
    if (!token || !sameValue(form.get('_csrf') ?? '', token))
      return refusal(c, 'The form is stale or was not sent by this dashboard (CSRF token mismatch). Reload the page and try again.');
    c.set('csrf', token);
    c.set('form', form);
    return next();
  };
}

function refusal(c: Context, message: string, status: 403 | 413 = 403): Response {
  return c.text(message, status);
}

export function setFlash(c: Context, flash: Flash): void {
  const text = flash.text.length > 600 ? `${flash.text.slice(0, 600)}…` : flash.text;
  setCookie(c, FLASH_COOKIE, JSON.stringify({ kind: flash.kind, text }), { ...cookieOpts(c, 60) });
}

/** Reads and clears the one-shot flash message set by the previous POST. */
export function takeFlash(c: Context): Flash | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, cookieOpts(c));
  try {
    const f = JSON.parse(raw) as Flash;
    return (f.kind === 'ok' || f.kind === 'error') && typeof f.text === 'string' ? { kind: f.kind, text: f.text } : undefined;
  } catch {
    return undefined;
  }
}
