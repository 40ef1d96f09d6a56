/**
 * `/connections`: the caller's own upstream sign-ins (src/runtime/connections.ts), for the CLI
 * (`edgehub connections list|revoke`) and scripts. Any authenticated principal, for itself only;
 * admins also see which upstreams need grants. Never returns a token.
 *
 *   GET    /connections           { connections: [...], upstreams?: [...] (admins) }
 *   POST   /connections/:server   { url }: a single-use consent link (connect / reconnect)
 *   DELETE /connections/:server   revoke at the authorization server, then forget
 */
import { Hono } from 'hono';
import type { AuthVars } from '../middleware/auth';
import { connectLink, listConnections, revokeConnection } from '../runtime/connections';

export const connectionsApi = new Hono<{ Bindings: Env; Variables: AuthVars }>();

connectionsApi.get('/', async (c) => {
  const r = await listConnections(c.env, c.get('principal'));
  return r.ok ? c.json(r) : c.json({ error: 'refused', message: r.message }, r.status);
});

connectionsApi.post('/:server', async (c) => {
  const r = await connectLink(c.env, c.get('principal'), c.req.param('server'));
  return r.ok ? c.json({ url: r.url }) : c.json({ error: 'refused', message: r.message }, r.status);
});

connectionsApi.delete('/:server', async (c) => {
  const r = await revokeConnection(c.env, c.get('principal'), c.req.param('server'));
  return r.ok ? c.json(r) : c.json({ error: 'refused', message: r.message }, r.status);
});
