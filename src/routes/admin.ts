/**
 * Admin REST API (JSON) over the tenant's ConfigDO. Every mutation is one audited, versioned
 * change; errors are 4xx with `{ error, message, field? }` naming what to fix. The config's ETag
 * is its version: `PUT /config` with a stale `If-Match` gets 412 (no lost update). Unknown keys
 * in a body are kept and returned as `warnings: [{path, message}]`; `?strict=true` refuses them.
 */
import { type Context, Hono } from 'hono';
import { configApi } from '../config/api';
import { effectivePrefix, keyed, kitMap, serverKind } from '../config/schema';
import { redactServer } from '../config/secrets';
import type { ChangeResult } from '../config/service';
import type { AuthVars } from '../middleware/auth';
import { readLimited } from '../middleware/body';
import { configCommitted } from '../runtime/isolate-runtimes';
import { profilesApi } from './admin-profiles';
import { secretsApi } from './admin-secrets';
import { trustAdminApi } from './admin-trust';

type App = { Bindings: Env; Variables: AuthVars };
type C = Context<App>;

export const adminApi = new Hono<App>();

const ERROR_NAMES: Record<number, string> = { 400: 'invalid', 404: 'not_found', 409: 'conflict', 412: 'precondition_failed', 422: 'mount_failed' };

function config(c: C) {
  return configApi(c.env, c.get('principal').tenant);
}
const readConfig = (c: C) => config(c).redacted();

const actor = (c: C) => ({ sub: c.get('principal').sub });

async function result(c: C, r: ChangeResult) {
  if (r.ok) {
    // This isolate's modern lane serves the new version from the next request on.
    await configCommitted(c.get('principal').tenant, r.version);
    return c.json({ ok: true, version: r.version, changes: r.detail, ...warnings(r) }, 200, { ETag: `"${r.version}"` });
  }
  return c.json({ error: ERROR_NAMES[r.status] ?? 'error', message: r.error, ...(r.field ? { field: r.field } : {}), ...warnings(r) }, r.status as 400);
}

const warnings = (r: ChangeResult) => (r.warnings?.length ? { warnings: r.warnings } : {});

async function body(c: C): Promise<{ ok: true; value: unknown } | { ok: false; res: Response }> {
  const text = await readLimited(c.req.raw, 1024 * 1024);
  if (text === null) return { ok: false, res: c.json({ error: 'too_large', message: 'body exceeds 1 MiB' }, 413) };
  try {
    return { ok: true, value: text === '' ? {} : JSON.parse(text) };
  } catch (e) {
    return { ok: false, res: c.json({ error: 'invalid_json', message: `body is not valid JSON: ${e instanceof Error ? e.message : e}` }, 400) };
  }
}

const check = (c: C) => c.req.query('check') !== 'false';
const strict = (c: C) => c.req.query('strict') === 'true';

adminApi.get('/servers', async (c) => {
  const { version, config: cfg } = await readConfig(c);
  const servers = Object.entries(cfg.servers).map(([name, s]) => ({ ...keyed(name, s), kind: serverKind(s), effectivePrefix: effectivePrefix(name, s) }));
  return c.json({ version, servers });
});

adminApi.get('/servers/:name', async (c) => {
  const { version, config: cfg } = await readConfig(c);
  const s = cfg.servers[c.req.param('name')];
  if (!s) return c.json({ error: 'not_found', message: `server '${c.req.param('name')}' does not exist` }, 404);
  return c.json({ version, ...keyed(c.req.param('name'), redactServer(s)), kind: serverKind(s) });
});

adminApi.put('/servers/:name', async (c) => {
  const b = await body(c);
  if (!b.ok) return b.res;
  return result(c, await config(c).addServer(actor(c), c.req.param('name'), b.value, { replace: true, check: check(c), strict: strict(c) }));
});

adminApi.patch('/servers/:name', async (c) => {
  const b = await body(c);
  if (!b.ok) return b.res;
  return result(c, await config(c).updateServer(actor(c), c.req.param('name'), b.value, check(c), strict(c)));
});

adminApi.delete('/servers/:name', async (c) => result(c, await config(c).removeServer(actor(c), c.req.param('name'))));

adminApi.post('/servers/:name/enable', async (c) => result(c, await config(c).setEnabled(actor(c), c.req.param('name'), true, check(c))));
adminApi.post('/servers/:name/disable', async (c) => result(c, await config(c).setEnabled(actor(c), c.req.param('name'), false)));

adminApi.get('/config', async (c) => {
  const { version, config: cfg } = await readConfig(c);
  return c.json(cfg, 200, { ETag: `"${version}"`, 'X-Config-Version': String(version) });
});

adminApi.put('/config', async (c) => {
  const b = await body(c);
  if (!b.ok) return b.res;
  const m = /^"?(\d+)"?$/.exec(c.req.header('if-match') ?? '');
  const ifMatch = m ? Number(m[1]) : undefined;
  if (c.req.header('if-match') !== undefined && ifMatch === undefined)
    return c.json({ error: 'invalid', message: 'If-Match must be the config version from the ETag, e.g. "7"', field: 'If-Match' }, 400);
  return result(c, await config(c).putConfig(actor(c), b.value, ifMatch, check(c), strict(c)));
});

adminApi.get('/kits', async (c) => {
  const { config: cfg } = await readConfig(c);
  const loaded = (k: string) => Object.values(cfg.servers).some((s) => s.kits?.includes(k));
  return c.json({
    kits: Object.entries(kitMap(cfg)).map(([name, k]) => ({
      name,
      description: k.description ?? null,
      servers: Object.keys(k.servers ?? {}),
      loaded: loaded(name),
    })),
  });
});

adminApi.get('/kits/:name', async (c) => {
  const { config: cfg } = await readConfig(c);
  const k = kitMap(cfg)[c.req.param('name')];
  return k ? c.json({ name: c.req.param('name'), ...k }) : c.json({ error: 'not_found', message: `kit '${c.req.param('name')}' does not exist` }, 404);
});

adminApi.put('/kits/:name', async (c) => {
  const b = await body(c);
  if (!b.ok) return b.res;
  return result(c, await config(c).putKit(actor(c), c.req.param('name'), b.value, strict(c)));
});
adminApi.delete('/kits/:name', async (c) => result(c, await config(c).deleteKit(actor(c), c.req.param('name'))));
adminApi.post('/kits/:name/load', async (c) => result(c, await config(c).loadKit(actor(c), c.req.param('name'), c.req.query('enable') !== 'false', check(c))));
adminApi.post('/kits/:name/unload', async (c) => result(c, await config(c).unloadKit(actor(c), c.req.param('name'))));

adminApi.post('/check', async (c) => {
  const b = await body(c);
  if (!b.ok) return b.res;
  const names = (b.value as { servers?: unknown }).servers;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
    return c.json({ error: 'invalid', message: 'servers must be an array of server names', field: 'servers' }, 400);
  return c.json({ results: await config(c).check(names as string[] | undefined) });
});

adminApi.get('/audit', async (c) => {
  const limit = Number(c.req.query('limit') ?? 100);
  const before = c.req.query('before') ? Number(c.req.query('before')) : undefined;
  if (!Number.isInteger(limit) || limit < 1 || (before !== undefined && !Number.isInteger(before)))
    return c.json({ error: 'invalid', message: 'limit and before must be positive integers', field: 'limit' }, 400);
  return c.json({ audit: await config(c).audit(limit, before) });
});

adminApi.get('/metrics', async (c) => c.text(await config(c).metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));

adminApi.get('/health', async (c) => c.json({ health: await config(c).health() }));

adminApi.get('/sessions', async (c) => c.json({ sessions: await config(c).sessions() }));

adminApi.route('/secrets', secretsApi);
adminApi.route('/profiles', profilesApi);
adminApi.route('/', trustAdminApi);
