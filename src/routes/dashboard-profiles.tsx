/**
 * The dashboard's Profiles page (mounted at /admin/profiles by routes/dashboard.tsx, behind its
 * guards: admin scope, CSRF-checked forms). Reads and writes go through the admin API
 * (/admin/api/profiles), so validation, versions and audit are the API's; outcomes come back as a
 * flash message (Post/Redirect/Get) naming the refused field.
 */
import { type Context, Hono } from 'hono';
import type { Chrome } from '../dashboard/layout';
import { type ApiProfile, ProfilesPage } from '../dashboard/profiles-page';
import { BASE, type DashVars, setFlash } from '../dashboard/security';
import type { AuthVars } from '../middleware/auth';
import type { AdminCall } from './dashboard-api';

type App = { Bindings: Env; Variables: AuthVars & DashVars & { form: URLSearchParams } };
type C = Context<App>;

export function profilesDashboard(api: (c: C) => AdminCall, chrome: (c: C, title: string, version?: number) => Chrome) {
  const app = new Hono<App>();
  const page = async (c: C) => {
    const r = await api(c)<{ version: number; profiles: Record<string, ApiProfile> }>('GET', '/profiles');
    if (!r.ok) throw new Error(`dashboard: admin API GET /profiles answered ${r.status}: ${r.text.slice(0, 200)}`);
    return c.html(<ProfilesPage {...chrome(c, 'Profiles', r.json.version)} csrf={c.get('csrf')} profiles={r.json.profiles} />);
  };

  app.get('/', (c) => page(c));

  app.post('/', async (c) => {
    const form = c.get('form');
    const name = (form.get('name') ?? '').trim();
    const json = form.get('profile') ?? '';
    let profile: unknown;
    try {
      profile = json.trim() === '' ? {} : JSON.parse(json);
    } catch (e) {
      setFlash(c, { kind: 'error', text: `The profile is not valid JSON: ${e instanceof Error ? e.message : e}` });
      return c.redirect(`${BASE}/profiles`, 303);
    }
    const r = await api(c)<{ version: number }>('PUT', `/profiles/${encodeURIComponent(name)}`, profile);
    setFlash(
      c,
      r.ok
        ? { kind: 'ok', text: `Profile '${name}' saved (config v${r.json.version}); served at /mcp/p/${name}.` }
        : { kind: 'error', text: `Could not save '${name}': ${r.message}` },
    );
    return c.redirect(`${BASE}/profiles`, 303);
  });

  app.post('/:name/delete', async (c) => {
    const name = c.req.param('name');
    const r = await api(c)<{ version: number }>('DELETE', `/profiles/${encodeURIComponent(name)}`);
    setFlash(
      c,
      r.ok
        ? { kind: 'ok', text: `Profile '${name}' removed (config v${r.json.version}).` }
        : { kind: 'error', text: `Could not remove '${name}': ${r.message}` },
    );
    return c.redirect(`${BASE}/profiles`, 303);
  });
  return app;
}
