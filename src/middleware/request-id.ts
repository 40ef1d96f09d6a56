/**
 * Request ids: every request gets one (a sane inbound `X-Request-Id` is kept, else a new UUID),
 * echoed in the response header and carried into logs, so one failure can be followed across the
 * Worker, the Durable Objects and the upstream call.
 */
import type { MiddlewareHandler } from 'hono';

export type RequestIdVars = { requestId: string };

const SANE = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestId(): MiddlewareHandler<{ Variables: RequestIdVars }> {
  return async function requestId(c, next) {
    const inbound = c.req.header('x-request-id');
    const id = inbound && SANE.test(inbound) ? inbound : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  };
}
