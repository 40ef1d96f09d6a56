/**
 * Admin REST API for the tenant's secret store (mounted at /admin/api/secrets, admin scope, the
 * tenant from the token like every admin route). Values are write-only: no route returns one.
 *
 *   GET    /secrets         names, update times and who updated them
 *   PUT    /secrets/:name   body {"value": "..."}; 400 on a bad name/value, 503 without SECRETS_KEY
 *   DELETE /secrets/:name   404 when absent
 *
 * A change to a secret the config references is a new config version (ETag), like a config change.
 */
import { type Context, Hono } from 'hono';
import { configApi } from '../config/api';
import type { SecretResult } from '../config/secret-service';
import type { AuthVars } from '../middleware/auth';
import { readLimited } from '../middleware/body';
import { configCommitted } from '../runtime/isolate-runtimes';

type App = { Bindings: Env; Variables: AuthVars };
type C = Context<App>;

/** A value is at most 16 KiB; JSON escaping can at most sextuple it. */
const MAX_BODY = 128 * 1024;
const ERROR_NAMES: Record<number, string> = { 400: 'invalid', 404: 'not_found', 409: 'limit_reached', 503: 'not_configured' };

export const secretsApi = new Hono<App>();

const config = (c: C) => configApi(c.env, c.get('principal').tenant);
const actor = (c: C) => ({ sub: c.get('principal').sub });

async function result(c: C, name: string, r: SecretResult) {
  if (!r.ok) return c.json({ error: ERROR_NAMES[r.status] ?? 'error', message: r.error, ...(r.field ? { field: r.field } : {}) }, r.status as 400);
  // This isolate's modern lane uses the new value from the next request on.
  if (r.version !== undefined) await configCommitted(c.get('principal').tenant, r.version);
  return c.json({ ok: true, name, version: r.version, servers: r.servers ?? [] }, 200, r.version !== undefined ? { ETag: `"${r.version}"` } : {});
}

secretsApi.get('/', async (c) => c.json({ secrets: await config(c).listSecrets() }));

secretsApi.put('/:name', async (c) => {
  const text = await readLimited(c.req.raw, MAX_BODY);
  if (text === null) return c.json({ error: 'too_large', message: 'body exceeds 128 KiB (a secret value is at most 16 KiB)' }, 413);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // The parser's message may quote the body (the secret): never echo it.
    return c.json({ error: 'invalid_json', message: 'body must be JSON: {"value": "..."}' }, 400);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return c.json({ error: 'invalid', message: 'body must be a JSON object: {"value": "..."}' }, 400);
  const name = c.req.param('name');
  return result(c, name, await config(c).setSecret(actor(c), name, (body as { value?: unknown }).value));
});

secretsApi.delete('/:name', async (c) => {
  const name = c.req.param('name');
  return result(c, name, await config(c).deleteSecret(actor(c), name));
});
