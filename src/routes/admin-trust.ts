/**
 * Admin REST API for tool integrity and parked calls (mounted under /admin/api, admin scope, the
 * tenant from the token). Every decision is audited in the tenant's ConfigDO; approving tool
 * definitions is a new config version (sessions get list_changed).
 *
 *   GET  /pending                      every server's quarantined tools, with diffs
 *   GET  /servers/:name/pending        one server's, with the approved and presented definitions and a unified diff
 *   POST /servers/:name/approve        body {} (all) or {"tools": ["name" | {"name", "hash"}]}: pin them
 *   POST /servers/:name/reject         same body: keep them quarantined, marked rejected
 *   GET  /approvals?status=pending     calls parked by `approval: "admin"` rules (arguments and digest)
 *   POST /approvals/:id/approve        body {"digest": "<sha-256 of the arguments shown>"}: 409 when it differs
 *   POST /approvals/:id/reject
 */
import { type Context, Hono } from 'hono';
import type { AuthVars } from '../middleware/auth';
import { readLimited } from '../middleware/body';
import { trustApi } from '../policy/api';
import { configCommitted } from '../runtime/isolate-runtimes';
import type { ApprovalStatus } from '../storage/trust-store';

type App = { Bindings: Env; Variables: AuthVars };
type C = Context<App>;

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'];
const ERROR_NAMES: Record<number, string> = { 400: 'invalid', 404: 'not_found', 409: 'conflict', 410: 'gone' };

export const trustAdminApi = new Hono<App>();

const trust = (c: C) => trustApi(c.env, c.get('principal').tenant);
const actor = (c: C) => ({ sub: c.get('principal').sub });

async function body(c: C): Promise<Record<string, unknown> | Response> {
  const text = await readLimited(c.req.raw, 64 * 1024);
  if (text === null) return c.json({ error: 'too_large', message: 'body exceeds 64 KiB' }, 413);
  try {
    const v = text === '' ? {} : JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return c.json({ error: 'invalid', message: 'body must be a JSON object' }, 400);
    return v;
  } catch {
    return c.json({ error: 'invalid_json', message: 'body is not valid JSON' }, 400);
  }
}

const fail = (c: C, r: { status: number; error: string }) => c.json({ error: ERROR_NAMES[r.status] ?? 'error', message: r.error }, r.status as 400);

trustAdminApi.get('/pending', async (c) => c.json({ pending: await trust(c).pendingTools() }));
trustAdminApi.get('/servers/:name/pending', async (c) => c.json({ server: c.req.param('name'), pending: await trust(c).pendingTools(c.req.param('name')) }));

for (const verb of ['approve', 'reject'] as const)
  trustAdminApi.post(`/servers/:name/${verb}`, async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const r = await trust(c).decideTools(actor(c), c.req.param('name'), verb === 'approve', b.tools);
    if (!r.ok) return fail(c, r);
    // This isolate's modern lane serves the approved definitions from the next request on.
    if (verb === 'approve') await configCommitted(c.get('principal').tenant, r.version);
    return c.json({ ok: true, version: r.version, [verb === 'approve' ? 'approved' : 'rejected']: r.tools }, 200, { ETag: `"${r.version}"` });
  });

trustAdminApi.get('/approvals', async (c) => {
  const status = c.req.query('status');
  if (status !== undefined && !STATUSES.includes(status))
    return c.json({ error: 'invalid', message: `status must be one of ${STATUSES.join(', ')}`, field: 'status' }, 400);
  return c.json({ approvals: await trust(c).approvals(status as ApprovalStatus | undefined) });
});

for (const verb of ['approve', 'reject'] as const)
  trustAdminApi.post(`/approvals/:id/${verb}`, async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (verb === 'approve' && typeof b.digest !== 'string')
      return c.json({ error: 'invalid', message: 'digest is required: the SHA-256 of the arguments you reviewed (from GET /approvals)', field: 'digest' }, 400);
    const r = await trust(c).decideApproval(actor(c), c.req.param('id'), verb === 'approve', b.digest);
    return r.ok ? c.json({ ok: true, id: c.req.param('id'), status: r.status }) : fail(c, r);
  });
