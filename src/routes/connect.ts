/**
 * `GET /connect/:name` with `Upgrade: websocket`: the connector `edgehub connect --name <name>`
 * dials in here. The token needs the `connector` (or `admin`) scope; its tenant and the name pick
 * the ConnectorDO, which takes over the socket (a newer connection replaces an older one).
 *
 * `GET /connect/:name/channel`: the same connector dials one edge session's own channel, with the
 * ticket it got for it (runtime/connector-channels.ts). Same scope; the token's tenant and the
 * ticket's session id pick the SessionDO, which checks the ticket.
 */
import { type Context, Hono } from 'hono';
import { CONNECTOR_NAME_RE } from '../config/connector';
import { CONNECTOR_FRAMES_HEADER, CONNECTOR_SUB_HEADER } from '../durable-objects/connector';
import { CHANNEL_TICKET_HEADER } from '../mcp/connector-frames.mjs';
import type { AuthVars } from '../middleware/auth';
import { CHANNEL_CONNECTOR_HEADER, CHANNEL_TICKET_RE } from '../runtime/connector-channels';
import { connectorStub, sessionStub } from '../utils/do-stubs';

export const connectRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>();

/** The scope, name and upgrade checks both routes share: a refusal, or null. */
function refused(c: Context<{ Bindings: Env; Variables: AuthVars }>): Response | null {
  const principal = c.get('principal');
  if (!principal.scopes.includes('connector') && !principal.scopes.includes('admin'))
    return c.json({ error: 'insufficient_scope', message: "a connector needs the 'connector' (or 'admin') scope" }, 403, {
      'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="connector"',
    });
  if (!CONNECTOR_NAME_RE.test(c.req.param('name') ?? ''))
    return c.json({ error: 'invalid_name', message: 'connector names are letters, digits, . _ - (max 64)' }, 400);
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ error: 'upgrade_required', message: 'connect with a WebSocket' }, 426);
  return null;
}

/** A Response from another object has immutable headers; the middleware after us adds some. */
function passOn(res: Response): Response {
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
}

connectRoutes.get('/:name', async (c) => {
  const no = refused(c);
  if (no) return no;
  const principal = c.get('principal');
  const headers = new Headers({ upgrade: 'websocket', [CONNECTOR_SUB_HEADER]: principal.sub, [CONNECTOR_FRAMES_HEADER]: c.req.query('frames') ?? '' });
  return passOn(await connectorStub(c.env, principal.tenant, c.req.param('name')).fetch(new Request('https://connector/', { headers })));
});

connectRoutes.get('/:name/channel', async (c) => {
  const no = refused(c);
  if (no) return no;
  const ticket = c.req.header(CHANNEL_TICKET_HEADER) ?? '';
  const m = CHANNEL_TICKET_RE.exec(ticket);
  if (!m) return c.json({ error: 'invalid_ticket', message: `a channel needs the ticket its session was offered, in ${CHANNEL_TICKET_HEADER}` }, 400);
  const headers = new Headers({ upgrade: 'websocket', [CHANNEL_TICKET_HEADER]: ticket, [CHANNEL_CONNECTOR_HEADER]: c.req.param('name') });
  return passOn(await sessionStub(c.env, c.get('principal').tenant, m[1]).fetch(new Request('https://session/channel', { headers })));
});
