/**
 * The dashboard's Trust page (mounted at /admin/trust by routes/dashboard.tsx, behind its guards:
 * admin scope, CSRF-checked forms): quarantined tool definitions with their diffs and parked calls
 * waiting for an admin, each approved or rejected through the admin API (its validation, versions
 * and audit); outcomes come back as a flash message (Post/Redirect/Get).
 */
import { type Context, Hono } from 'hono';
import type { Chrome } from '../dashboard/layout';
import { BASE, type DashVars } from '../dashboard/security';
import { type ApiParkedCall, type ApiPendingTool, TrustPage } from '../dashboard/trust-page';
import type { AuthVars } from '../middleware/auth';
import { type AdminCall, back, must } from './dashboard-api';

type App = { Bindings: Env; Variables: AuthVars & DashVars & { form: URLSearchParams } };
type C = Context<App>;

export function trustDashboard(api: (c: C) => AdminCall, chrome: (c: C, title: string, version?: number) => Chrome) {
  const app = new Hono<App>();
  app.get('/', async (c) => {
    const call = api(c);
    const [pending, calls, servers] = await Promise.all([
      call<{ pending: ApiPendingTool[] }>('GET', '/pending'),
      call<{ approvals: ApiParkedCall[] }>('GET', '/approvals'),
      call<{ version: number }>('GET', '/servers'),
    ]);
    return c.html(
      <TrustPage
        {...chrome(c, 'Trust', must(servers, 'GET /servers').version)}
        csrf={c.get('csrf')}
        pending={must(pending, 'GET /pending').pending}
        calls={must(calls, 'GET /approvals').approvals}
        now={Date.now()}
      />,
    );
  });

  app.post('/:kind/:id/:decision', async (c) => {
    const { kind, id, decision } = c.req.param();
    const form = c.get('form');
    if (!['approve', 'reject'].includes(decision) || !['tools', 'calls'].includes(kind)) return c.text('not found', 404);
    const to = `${BASE}/trust`;
    if (kind === 'tools') {
      const tool = form.get('tool') ?? '';
      const hash = form.get('hash') ?? undefined;
      const r = await api(c)<{ version: number }>('POST', `/servers/${encodeURIComponent(id)}/${decision}`, { tools: [{ name: tool, hash }] });
      return back(
        c,
        r.ok,
        r.ok ? `${id}/${tool}: ${decision === 'approve' ? 'approved' : 'rejected'} (config v${r.json.version}).` : `${id}/${tool}: ${r.message}`,
        to,
      );
    }
    const r = await api(c)('POST', `/approvals/${encodeURIComponent(id)}/${decision}`, decision === 'approve' ? { digest: form.get('digest') ?? '' } : {});
    return back(c, r.ok, r.ok ? `Call ${id} ${decision === 'approve' ? 'approved' : 'rejected'}.` : `Call ${id}: ${r.message}`, to);
  });
  return app;
}
