// Per-tool policy in jwt mode: CEL `allow` by claim and by argument (a tool a principal may never
// call is absent from its lists), a per-principal rate, user confirmation by elicitation
// (accepted, declined, unsupported) and admin approval bound to the arguments' digest; every
// decision in the audit log and the metrics.
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, type Role, startJwtDev } from '../helpers/jwt-dev';
import { pollUntil } from '../helpers/poll.mjs';
import type { Proc } from '../helpers/procs';
import { bearer } from '../helpers/tokens';
import { modernRequest, startTrustFixture } from '../helpers/trust';

const POLICIES = [
  { match: { server: 'pol', tool: 'report' }, allow: 'has(principal.claims.dept) && principal.claims.dept == "finance"' },
  { match: { server: 'pol', tool: 'pay' }, allow: 'args.amount <= 100' },
  { match: { server: 'pol', tool: 'ping' }, rate: '2/min' },
  { match: { server: 'pol', tool: 'dep*' }, approval: 'elicit' },
  { match: { server: 'pol', tool: 'wipe' }, approval: 'admin' },
];
const TOOLS = ['report', 'pay', 'ping', 'deploy', 'wipe', 'other'].map((name) => ({ name, description: `The ${name} tool.` }));

let h: JwtDev;
let pol: Proc;
let caller: Client;

async function api(role: Role, method: string, path: string, body?: unknown) {
  const r = await h.fetch(`/admin/api${path}`, {
    method,
    headers: { ...h.auth('acme', role), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: JSON.parse(r.text || 'null') };
}

/** One 2026-07-28 request with `token`; it declares elicitation (which this lane cannot relay). */
const modern = (token: string, method: string, params: Record<string, unknown> = {}) =>
  modernRequest(`${h.base}/mcp`, bearer(token), method, params, { elicitation: {} });

async function client(token: string, elicit?: (message: string) => Record<string, unknown>): Promise<Client> {
  const c = new Client({ name: 'policy-e2e', version: '1' }, { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) c.setRequestHandler(ElicitRequestSchema, async (req) => elicit(String(req.params.message)) as never);
  await c.connect(new StreamableHTTPClientTransport(new URL(`${h.base}/mcp`), { requestInit: { headers: bearer(token) } }));
  return c;
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => '',
    (e: Error) => e.message,
  );
const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
const digest = (v: unknown) => createHash('sha256').update(canonicalize(v)!).digest('hex');
const audit = async () => (await api('admin', 'GET', '/audit?limit=300')).json.audit as { action: string; actor: string; ok: boolean; detail: any }[];

beforeAll(async () => {
  [h, pol] = await Promise.all([startJwtDev({ vars: { APPROVAL_TTL_SECONDS: '8' } }), startTrustFixture()]);
  await fetch(`${pol.url}/control`, { method: 'POST', body: JSON.stringify({ tools: TOOLS }) });
  const cfg = (await api('admin', 'GET', '/config')).json;
  const put = await api('admin', 'PUT', '/config', { ...cfg, servers: { ...cfg.servers, pol: { uri: `${pol.url}/mcp`, prefix: 'pol' } }, policies: POLICIES });
  expect(put.status, JSON.stringify(put.json)).toBe(200);
  caller = await h.client('acme', 'caller');
}, 180_000);

afterAll(async () => {
  await caller?.close().catch(() => {});
  await Promise.all([h?.stop(), pol?.stop()]);
});

describe('policy rules', () => {
  it('refuses a config whose CEL does not parse, naming the rule', async () => {
    const cfg = (await api('admin', 'GET', '/config')).json;
    const r = await api('admin', 'PUT', '/config', { ...cfg, policies: [{ match: { tool: '*' }, allow: 'principal.sub == ' }] });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/policies\.0\.allow: allow is not a valid CEL expression/);
    expect((await api('admin', 'PUT', '/config', { ...cfg, policies: [{ rate: '10/hour' }] })).json.message).toMatch(/rate must be "N\/min"/);
  });

  it('allow by claim: the tool is absent from the lists of a principal it refuses, on both lanes', async () => {
    const finToken = await h.token({ sub: 'fin@acme', tenant: 'acme', scope: 'mcp:read mcp:call', extra: { dept: 'finance' } });
    const fin = await client(finToken);
    expect(await names(fin)).toContain('pol_report');
    expect(JSON.stringify((await fin.callTool({ name: 'pol_report', arguments: {} })).content)).toContain('report');
    await fin.close();

    expect(await names(caller)).not.toContain('pol_report');
    expect(await names(caller)).toContain('pol_other');
    expect(await errorOf(caller.callTool({ name: 'pol_report', arguments: {} }))).toMatch(/policy rule 0 does not allow caller@acme to call pol_report/);
    // A path that delegates to the gateway (Magg's proxy tool) sees the same list and the same refusal.
    const proxied = await caller.callTool({ name: 'proxy', arguments: { action: 'list', type: 'tool', filter_server: 'pol' } });
    expect(JSON.stringify(proxied.structuredContent)).not.toContain('pol_report');
    expect(JSON.stringify(proxied.structuredContent)).toContain('pol_other');
    expect(await errorOf(caller.callTool({ name: 'proxy', arguments: { action: 'call', type: 'tool', path: 'pol_report', args: {} } }))).toMatch(
      /policy rule 0 does not allow/,
    );
    const list = await modern(h.tokens.acme.caller, 'tools/list');
    expect(list.result.tools.map((t: { name: string }) => t.name)).not.toContain('pol_report');
    const denied = await modern(h.tokens.acme.caller, 'tools/call', { name: 'pol_report', arguments: {} });
    expect(denied.error).toMatchObject({ code: -32012, data: { decision: 'denied', rule: 0 } });
  });

  it('allow by argument value', async () => {
    expect(await names(caller)).toContain('pol_pay'); // depends on args: listed, decided per call
    expect(JSON.stringify((await caller.callTool({ name: 'pol_pay', arguments: { amount: 50 } })).content)).toContain('50');
    expect(await errorOf(caller.callTool({ name: 'pol_pay', arguments: { amount: 500 } }))).toMatch(/policy rule 1 does not allow/);
    expect((await modern(h.tokens.acme.caller, 'tools/call', { name: 'pol_pay', arguments: { amount: 101 } })).error.code).toBe(-32012);
  });

  it('search and code modes inherit the rules: a refused tool is never found, and calling it is refused the same way', async () => {
    const c = new Client({ name: 'policy-modes-e2e', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${h.base}/mcp?mode=search`), { requestInit: { headers: bearer(h.tokens.acme.caller) } }));
    try {
      const found = async (query: string) =>
        (
          (await c.callTool({ name: 'hub_search_tools', arguments: { query, server: 'pol', limit: 20 } })).structuredContent as { tools: { name: string }[] }
        ).tools.map((t) => t.name);
      const hits = await found('report tool');
      expect(hits).toContain('pol_other'); // the search works and sees the server
      expect(hits).not.toContain('pol_report');
      const direct = await errorOf(caller.callTool({ name: 'pol_report', arguments: {} }));
      const viaSearch = await errorOf(c.callTool({ name: 'hub_call_tool', arguments: { name: 'pol_report', arguments: {} } }));
      expect(direct).toMatch(/policy rule 0 does not allow/);
      expect(viaSearch).toBe(direct);
      expect(await errorOf(c.callTool({ name: 'hub_call_tool', arguments: { name: 'pol_pay', arguments: { amount: 500 } } }))).toMatch(
        /policy rule 1 does not allow/,
      );
    } finally {
      await c.close();
    }
    const code = new Client({ name: 'policy-code-e2e', version: '1' });
    await code.connect(new StreamableHTTPClientTransport(new URL(`${h.base}/mcp?mode=code`), { requestInit: { headers: bearer(h.tokens.acme.caller) } }));
    try {
      const run = await code.callTool({
        name: 'hub_code_execute',
        arguments: {
          code: 'const ok = await tools.call("pol_pay", {amount: 5}); try { await tools.call("pol_report", {}); return "reached"; } catch (e) { return {ok: !!ok, refused: String(e.message ?? e)}; }',
        },
      });
      expect(JSON.stringify(run.structuredContent ?? run.content)).toMatch(/policy rule 0 does not allow/);
      expect(JSON.stringify(run.structuredContent ?? run.content)).not.toContain('reached');
    } finally {
      await code.close();
    }
  });

  it('rate: per principal and tool, across lanes, with when to retry', async () => {
    await caller.callTool({ name: 'pol_ping', arguments: {} });
    await caller.callTool({ name: 'pol_ping', arguments: {} });
    expect(await errorOf(caller.callTool({ name: 'pol_ping', arguments: {} }))).toMatch(
      /rate limit: pol_ping allows 2 calls per minute per caller \(policy rule 2\); retry after \d+ s/,
    );
    const limited = await modern(h.tokens.acme.caller, 'tools/call', { name: 'pol_ping', arguments: {} });
    expect(limited.status).toBe(429);
    expect(limited.error).toMatchObject({ code: -32000, data: { error: 'rate_limited' } });
    expect(limited.error.data.retryAfterSec).toBeGreaterThan(0);
    // Another principal has its own bucket.
    const admin = await modern(h.tokens.acme.admin, 'tools/call', { name: 'pol_ping', arguments: {} });
    expect(admin.result).toBeDefined();
  });

  it('elicit: the user confirms or declines; clients that cannot be asked are refused with why', async () => {
    const seen: string[] = [];
    const yes = await client(h.tokens.acme.caller, (m) => {
      seen.push(m);
      return { action: 'accept', content: { confirm: true } };
    });
    expect(JSON.stringify((await yes.callTool({ name: 'pol_deploy', arguments: { env: 'prod' } })).content)).toContain('prod');
    expect(seen[0]).toMatch(/pol_deploy/);
    expect(seen[0]).toMatch(/"env": "prod"/);
    await yes.close();

    const no = await client(h.tokens.acme.caller, () => ({ action: 'decline' }));
    expect(await errorOf(no.callTool({ name: 'pol_deploy', arguments: { env: 'prod' } }))).toMatch(/the user did not allow the call to pol_deploy \(decline\)/);
    await no.close();
    expect(await errorOf(caller.callTool({ name: 'pol_deploy', arguments: {} }))).toMatch(/did not declare form elicitation/);
    const noCaps = await modernRequest(`${h.base}/mcp`, bearer(h.tokens.acme.caller), 'tools/call', { name: 'pol_deploy', arguments: {} });
    expect(noCaps.error).toMatchObject({ code: -32012, message: expect.stringMatching(/did not declare form elicitation/) });
    expect(JSON.parse(await fetch(`${pol.url}/stats`).then((r) => r.text())).calls.deploy).toBe(1);
  });

  it('elicit on the stateless lane: an input_required result asks, the retry with the answer proceeds', async () => {
    const call = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      modern(h.tokens.acme.caller, 'tools/call', { name: 'pol_deploy', arguments: args, ...extra });
    const asked = await call({ env: 'stage' });
    expect(asked.result.resultType).toBe('input_required');
    const request = asked.result.inputRequests.edgehub_confirm;
    expect(request.method).toBe('elicitation/create');
    expect(request.params.message).toMatch(/pol_deploy[\s\S]*"env": "stage"/);
    const yes = { inputResponses: { edgehub_confirm: { action: 'accept', content: { confirm: true } } }, requestState: asked.result.requestState };
    // The answer covers the arguments it was asked for, not others.
    expect((await call({ env: 'prod' }, yes)).error).toMatchObject({ code: -32012, message: expect.stringMatching(/other arguments/) });
    const no = { inputResponses: { edgehub_confirm: { action: 'decline' } }, requestState: asked.result.requestState };
    expect((await call({ env: 'stage' }, no)).error.message).toMatch(/the user did not allow the call to pol_deploy \(decline\)/);
    expect(JSON.parse(await fetch(`${pol.url}/stats`).then((r) => r.text())).calls.deploy).toBe(1);
    const done = await call({ env: 'stage' }, yes);
    expect(JSON.stringify(done.result.content)).toContain('stage');
    expect(JSON.parse(await fetch(`${pol.url}/stats`).then((r) => r.text())).calls.deploy).toBe(2);
  });

  it('admin: the call waits (with progress) until an admin approves exactly its arguments', async () => {
    const progress: string[] = [];
    const call = caller.callTool({ name: 'pol_wipe', arguments: { target: 'prod' } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(String(p.message)),
      timeout: 60_000,
    });
    const parked = await pollUntil('a parked call', async () => (await api('admin', 'GET', '/approvals?status=pending')).json.approvals[0]);
    expect(parked).toMatchObject({ tool: 'pol_wipe', sub: 'caller@acme', args: { target: 'prod' }, digest: digest({ target: 'prod' }) });
    expect((await api('caller', 'POST', `/approvals/${parked.id}/approve`, { digest: parked.digest })).status).toBe(403);
    // Another tenant's admin does not see or reach it.
    const globex = { ...h.auth('globex', 'admin'), 'content-type': 'application/json' };
    expect(JSON.parse((await h.fetch('/admin/api/approvals', { headers: globex })).text).approvals).toEqual([]);
    const cross = await h.fetch(`/admin/api/approvals/${parked.id}/approve`, {
      method: 'POST',
      headers: globex,
      body: JSON.stringify({ digest: parked.digest }),
    });
    expect(cross.status).toBe(404);
    // An approval for other arguments does not cover this call.
    const mismatch = await api('admin', 'POST', `/approvals/${parked.id}/approve`, { digest: digest({ target: 'staging' }) });
    expect(mismatch.status).toBe(409);
    expect(mismatch.json.message).toMatch(/digest mismatch/);
    expect((await api('admin', 'GET', '/approvals?status=pending')).json.approvals).toHaveLength(1);
    expect((await api('admin', 'POST', `/approvals/${parked.id}/approve`, { digest: parked.digest })).json).toMatchObject({ ok: true, status: 'approved' });
    expect(JSON.stringify((await call).content)).toContain('prod');
    expect(progress[0]).toMatch(new RegExp(`waiting for an admin to approve call ${parked.id} to pol_wipe`));

    const second = errorOf(caller.callTool({ name: 'pol_wipe', arguments: { target: 'prod' } }, CallToolResultSchema, { timeout: 60_000 }));
    const again = await pollUntil('a second parked call', async () => (await api('admin', 'GET', '/approvals?status=pending')).json.approvals[0]);
    expect(again.id).not.toBe(parked.id); // an approval is used once
    expect((await api('admin', 'POST', `/approvals/${again.id}/reject`, {})).status).toBe(200);
    expect(await second).toMatch(/an admin rejected the call to pol_wipe/);
    expect(JSON.parse(await fetch(`${pol.url}/stats`).then((r) => r.text())).calls.wipe).toBe(1);
  });

  it('admin: an approval that does not come in time expires; the caller is told, late approvals are refused', async () => {
    const progress: string[] = [];
    const refused = errorOf(
      caller.callTool({ name: 'pol_wipe', arguments: { target: 'late' } }, CallToolResultSchema, {
        onprogress: (p) => progress.push(String(p.message)),
        timeout: 60_000,
      }),
    );
    const parked = await pollUntil('a parked call', async () => (await api('admin', 'GET', '/approvals?status=pending')).json.approvals[0]);
    expect(parked.expiresAt - parked.createdAt).toBe(8000);
    expect(await refused).toMatch(new RegExp(`no admin approved the call to pol_wipe within 8 s \\(approval ${parked.id} expired\\)`));
    expect(progress.filter((m) => m.startsWith('still waiting')).length).toBeGreaterThanOrEqual(1);
    const late = await api('admin', 'POST', `/approvals/${parked.id}/approve`, { digest: parked.digest });
    expect(late.status).toBe(409);
    expect(late.json.message).toMatch(/already expired/);
  });

  it('every decision is in the audit log and the metrics', async () => {
    const rows = await audit();
    const has = (action: string, pred: (r: (typeof rows)[number]) => boolean = () => true) => rows.some((r) => r.action === action && pred(r));
    expect(has('call.denied', (r) => r.actor === 'caller@acme' && r.detail.rule === 0 && r.detail.tool === 'pol_report')).toBe(true);
    expect(has('call.denied', (r) => r.detail.rule === 1 && r.detail.tool === 'pol_pay')).toBe(true);
    expect(has('call.allowed', (r) => r.ok && r.actor === 'caller@acme' && r.detail.rule === 1 && r.detail.tool === 'pol_pay')).toBe(true);
    expect(has('call.allowed', (r) => r.actor === 'fin@acme' && r.detail.rule === 0 && r.detail.tool === 'pol_report')).toBe(true);
    expect(has('call.rate_limited', (r) => r.detail.tool === 'pol_ping')).toBe(true);
    expect(has('call.confirmed', (r) => r.detail.tool === 'pol_deploy')).toBe(true);
    expect(has('call.declined', (r) => r.detail.tool === 'pol_deploy')).toBe(true);
    expect(has('call.elicitation_unsupported')).toBe(true);
    expect(has('call.approval_requested', (r) => r.detail.tool === 'pol_wipe')).toBe(true);
    expect(has('call.approve', (r) => !r.ok && r.detail.error === 'digest mismatch')).toBe(true);
    expect(has('call.approve', (r) => r.ok && r.actor === 'admin@acme')).toBe(true);
    expect(has('call.reject', (r) => r.actor === 'admin@acme')).toBe(true);
    expect(has('call.expired', (r) => r.detail.tool === 'pol_wipe')).toBe(true);
    await pollUntil('policy metrics', async () => {
      const text = (await h.fetch('/admin/api/metrics', { headers: h.auth('acme', 'admin') })).text;
      return (
        /edgehub_policy_decisions_total\{decision="denied",server="pol",rule="0"\} [1-9]/.test(text) && /decision="approved",server="pol",rule="4"/.test(text)
      );
    });
  });
});
