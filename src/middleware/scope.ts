/**
 * Scope enforcement: `requireScope('admin')` answers 403 `insufficient_scope` (RFC 6750 §3.1) with
 * the needed scope when the principal lacks it.
 */
import type { MiddlewareHandler } from 'hono';
import type { AuthVars } from './auth';

export function requireScope(scope: string): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async function requireScope(c, next) {
    if (c.get('principal').scopes.includes(scope)) return next();
    return c.json({ error: 'insufficient_scope', message: `this operation needs the '${scope}' scope` }, 403, {
      'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
    });
  };
}
