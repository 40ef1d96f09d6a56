/**
 * The dashboard's "Upstream sign-ins" page (mounted at /admin/connections by routes/dashboard.tsx,
 * behind its guards: any signed-in principal, CSRF-checked forms): this person's grants at OAuth
 * upstreams (src/vault/), each connected, reconnected or revoked; outcomes as a flash message.
 */
import { type Context, Hono } from 'hono';
import { ErrorPage } from '../dashboard/auth-pages';
import { ConnectionsPage } from '../dashboard/connections';
import { BASE, type DashVars, hasLoginCookie, setFlash } from '../dashboard/security';
import type { AuthVars } from '../middleware/auth';
import { connectLink, listConnections, revokeConnection } from '../runtime/connections';

type App = { Bindings: Env; Variables: AuthVars & DashVars & { form: URLSearchParams } };
type C = Context<App>;

type PageChrome = Omit<Parameters<typeof ConnectionsPage>[0], 'rows' | 'upstreams'>;

export function connectionsDashboard(chrome: (c: C, title: string) => PageChrome) {
  const app = new Hono<App>();
  app.get('/', async (c) => {
    const r = await listConnections(c.env, c.get('principal'));
    if (!r.ok) return c.html(<ErrorPage status={r.status} message={r.message} signedIn={hasLoginCookie(c)} csrf={c.get('csrf')} />, r.status);
    return c.html(<ConnectionsPage {...chrome(c, 'Upstream sign-ins')} rows={r.connections} upstreams={r.upstreams} />);
  });

  app.post('/:server/:action', async (c) => {
    const server = c.req.param('server');
    if (c.req.param('action') === 'connect') {
      const r = await connectLink(c.env, c.get('principal'), server);
      if (r.ok) return c.redirect(r.url, 303); // the confirmation page, same origin
      setFlash(c, { kind: 'error', text: r.message });
    } else if (c.req.param('action') === 'revoke') {
      const r = await revokeConnection(c.env, c.get('principal'), server);
      setFlash(c, r.ok ? { kind: 'ok', text: `Revoked the grant for ${server}.` } : { kind: 'error', text: r.message });
    } else return c.text('unknown action', 404);
    return c.redirect(`${BASE}/connections`, 303);
  });
  return app;
}
