/**
 * The dashboard reads and acts through the admin REST API's own handlers (routes/admin.ts), called
 * in-process with the already-authenticated principal: one implementation of validation, audit
 * actor and error mapping for the CLI, scripts and the dashboard. The principal travels in a
 * WeakMap keyed by the internal Request object, so nothing a client sends can set it.
 */
import { type Context, Hono } from 'hono';
import type { Principal } from '../auth/principal';
import { BASE, setFlash } from '../dashboard/security';
import type { AuthVars } from '../middleware/auth';
import { adminApi } from './admin';

const principals = new WeakMap<Request, Principal>();

const internal = new Hono<{ Bindings: Env; Variables: AuthVars }>();
internal.use(async function asPrincipal(c, next) {
  const p = principals.get(c.req.raw);
  if (!p) return c.json({ error: 'forbidden', message: 'internal dashboard call without a principal' }, 403);
  c.set('principal', p);
  await next();
});
internal.route('/', adminApi);

export interface ApiReply<T = any> {
  status: number;
  ok: boolean;
  headers: Headers;
  json: T;
  text: string;
  /** The API's `message` on failure (else the body text). */
  message: string;
}

export type AdminCall = <T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<ApiReply<T>>;

/** An admin API caller acting as `principal` (the dashboard's verified user). */
export function adminCaller(env: Env, executionCtx: Context['executionCtx'], principal: Principal): AdminCall {
  return async (method, path, body) => {
    const req = new Request(`http://edgehub.internal${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    principals.set(req, principal);
    const res = await internal.fetch(req, env, executionCtx);
    const text = await res.text();
    let json: any = null;
    if (res.headers.get('content-type')?.includes('json')) {
      try {
        json = JSON.parse(text);
      } catch {
        /* the API always answers JSON; keep the text for the error message */
      }
    }
    return { status: res.status, ok: res.ok, headers: res.headers, json, text, message: typeof json?.message === 'string' ? json.message : text };
  };
}

/** An admin API read that must succeed for the page to render. */
export function must<T>(r: ApiReply<T>, what: string): T {
  if (!r.ok) throw new Error(`dashboard: admin API ${what} answered ${r.status}: ${r.text.slice(0, 200)}`);
  return r.json;
}

/** Post/Redirect/Get: the outcome travels in a one-shot flash cookie. */
export function back(c: Context, ok: boolean, text: string, to = BASE): Response {
  setFlash(c, { kind: ok ? 'ok' : 'error', text });
  return c.redirect(to, 303);
}
