/**
 * `GET /connect/:name` with `Upgrade: websocket`: the connector `edgehub connect --name <name>`
 * dials in here. The token needs the `connector` (or `admin`) scope; its tenant and the name pick
 * the ConnectorDO, which takes over the socket (a newer connection replaces an older one).
 */
import { Hono } from 'hono';
import { CONNECTOR_NAME_RE } from '../config/connector';
import { CONNECTOR_FRAMES_HEADER, CONNECTOR_SUB_HEADER } from '../durable-objects/connector';
import type { AuthVars } from '../middleware/auth';
import { connectorStub } from '../utils/do-stubs';

export const connectRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>();

connectRoutes.get('/:name', async (c) => {
  const principal = c.get('principal');
  if (!principal.scopes.includes('connector') && !principal.scopes.includes('admin'))
    return c.json({ error: 'insufficient_scope', message: "a connector needs the 'connector' (or 'admin') scope" }, 403, {
      'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="connector"',
    });
  const name = c.req.param('name');
  if (!CONNECTOR_NAME_RE.test(name)) return c.json({ error: 'invalid_name', message: 'connector names are letters, digits, . _ - (max 64)' }, 400);
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ error: 'upgrade_required', message: 'connect with a WebSocket' }, 426);
  const headers = new Headers({ upgrade: 'websocket', [CONNECTOR_SUB_HEADER]: principal.sub, [CONNECTOR_FRAMES_HEADER]: c.req.query('frames') ?? '' });
  const res = await connectorStub(c.env, principal.tenant, name).fetch(new Request('https://connector/', { headers }));
  // A Response from another object has immutable headers; the middleware after us adds some.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
});
