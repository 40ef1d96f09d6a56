/**
 * Authentication: sets the request's Principal. Modes (AUTH_MODE):
 * - `dev-open`: everyone is the local developer (all scopes, tenant "default"); only reachable
 *   from loopback because originGuard refuses other Hosts/Origins in this mode.
 * - `jwt` (deploy default): Bearer JWT verification (auth issue); with no key configured every
 *   request is refused with a message saying what to configure. Fails closed.
 */
import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../mcp/context';

export const ALL_SCOPES = ['mcp:read', 'mcp:call', 'admin'] as const;
export const DEV_PRINCIPAL: Principal = Object.freeze({ sub: 'dev', tenant: 'default', scopes: ALL_SCOPES });

export type AuthVars = { principal: Principal };

export function authenticate(): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async function authenticate(c, next) {
    if (c.env.AUTH_MODE === 'dev-open') {
      c.set('principal', DEV_PRINCIPAL);
      return next();
    }
    return c.json(
      { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Unauthorized: no JWT verification key is configured (set AUTH_PUBLIC_KEY or AUTH_JWKS_URL)' } },
      401,
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
  };
}
