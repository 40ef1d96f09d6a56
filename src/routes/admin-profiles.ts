/**
 * Admin REST API for profiles (mounted at /admin/api/profiles, admin scope, the token's tenant):
 * curated views of the tool list served at `/mcp/p/NAME` (config/profiles.ts). Each change is a
 * new config version (ETag), audited, and live sessions get `notifications/tools/list_changed`.
 *
 *   GET    /profiles         {version, profiles: {NAME: profile}}
 *   GET    /profiles/:name   the profile; 404 when absent
 *   PUT    /profiles/:name   body = the profile; 400 naming the bad field
 *   DELETE /profiles/:name   404 when absent
 */
import { type Context, Hono } from 'hono';
import { configApi } from '../config/api';
import { profilesOf } from '../config/profiles';
import type { ChangeResult } from '../config/service';
import type { AuthVars } from '../middleware/auth';
import { readLimited } from '../middleware/body';
import { configCommitted } from '../runtime/isolate-runtimes';

type App = { Bindings: Env; Variables: AuthVars };
type C = Context<App>;

const ERROR_NAMES: Record<number, string> = { 400: 'invalid', 404: 'not_found', 409: 'conflict', 413: 'too_large' };

export const profilesApi = new Hono<App>();

const config = (c: C) => configApi(c.env, c.get('principal').tenant);
const actor = (c: C) => ({ sub: c.get('principal').sub });

async function result(c: C, r: ChangeResult) {
  if (!r.ok) return c.json({ error: ERROR_NAMES[r.status] ?? 'error', message: r.error, ...(r.field ? { field: r.field } : {}) }, r.status as 400);
  await configCommitted(c.get('principal').tenant, r.version);
  return c.json({ ok: true, version: r.version }, 200, { ETag: `"${r.version}"` });
}

profilesApi.get('/', async (c) => {
  const { version, config: cfg } = await config(c).redacted();
  return c.json({ version, profiles: profilesOf(cfg) }, 200, { ETag: `"${version}"` });
});

profilesApi.get('/:name', async (c) => {
  const { version, config: cfg } = await config(c).redacted();
  const p = profilesOf(cfg)[c.req.param('name')];
  if (!p) return c.json({ error: 'not_found', message: `profile '${c.req.param('name')}' does not exist` }, 404);
  return c.json({ name: c.req.param('name'), ...p }, 200, { ETag: `"${version}"` });
});

profilesApi.put('/:name', async (c) => {
  const text = await readLimited(c.req.raw, 256 * 1024);
  if (text === null) return c.json({ error: 'too_large', message: 'body exceeds 256 KiB' }, 413);
  let value: unknown;
  try {
    value = text === '' ? {} : JSON.parse(text);
  } catch (e) {
    return c.json({ error: 'invalid_json', message: `body is not valid JSON: ${e instanceof Error ? e.message : e}` }, 400);
  }
  return result(c, await config(c).putProfile(actor(c), c.req.param('name'), value));
});

profilesApi.delete('/:name', async (c) => result(c, await config(c).deleteProfile(actor(c), c.req.param('name'))));
