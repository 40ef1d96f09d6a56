/**
 * Origin and Host validation (MCP transports §security: servers MUST validate Origin; local
 * servers must guard against DNS rebinding). 403 with a JSON-RPC error body on refusal.
 *
 * - Host: in dev-open mode only loopback hosts; otherwise ALLOWED_HOSTS when set.
 * - Origin (browsers only send it): same origin as the request, loopback in dev-open, or listed
 *   in ALLOWED_ORIGINS. No Origin (non-browser client) passes.
 */

import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { ErrorCode } from '../mcp/protocol';
import { isLoopback } from '../net/loopback.mjs';

export interface OriginGuardOptions {
  devOpen: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
}

export function originGuard(opts: (env: Env) => OriginGuardOptions): MiddlewareHandler<{ Bindings: Env }> {
  return async function originGuard(c, next) {
    const o = opts(c.env);
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(host, o)) return refuse(`Host '${host}' is not allowed${o.devOpen ? ' (dev-open mode serves loopback only)' : ''}`);
    const origin = c.req.header('origin');
    if (origin !== undefined && !originAllowed(origin, host, o)) return refuse(`Origin '${origin}' is not allowed`);
    await next();
  };
}

/**
 * CORS for browser MCP clients (e.g. an inspector on another loopback port, or an origin listed in
 * ALLOWED_ORIGINS): runs before the guard and auth, so a preflight (OPTIONS) is answered without a
 * token, and every reply, 401 challenges included, can be read by an allowed origin. Origins the
 * guard would refuse get no Access-Control-Allow-Origin. Requested headers are echoed back
 * (2026-07-28 clients send `Mcp-Param-*` headers whose names vary); no cookies are involved.
 */
export function mcpCors(opts: (env: Env) => OriginGuardOptions): MiddlewareHandler<{ Bindings: Env }> {
  return cors({
    origin: (origin, c) => {
      if (!origin) return null;
      const host = c.req.header('host') ?? new URL(c.req.url).host;
      const o = opts(c.env as Env);
      return hostAllowed(host, o) && originAllowed(origin, host, o) ? origin : null;
    },
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    exposeHeaders: ['Mcp-Session-Id', 'Mcp-Protocol-Version', 'WWW-Authenticate', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
}

function hostAllowed(host: string, o: OriginGuardOptions): boolean {
  return o.devOpen ? isLoopback(host) : o.allowedHosts.length === 0 || o.allowedHosts.includes(host.toLowerCase());
}

function originAllowed(origin: string, host: string, o: OriginGuardOptions): boolean {
  if (o.allowedOrigins.includes(origin)) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.host.toLowerCase() === host.toLowerCase()) return true;
  return o.devOpen && isLoopback(u.host);
}

function refuse(message: string): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.InvalidRequest, message: `Forbidden: ${message}` } }, { status: 403 });
}

export function listVar(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}
