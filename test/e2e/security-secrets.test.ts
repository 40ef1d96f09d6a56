// Attack suite: cross-tenant secret reads. A tenant admin points an upstream at a host they control
// with `${NAME}` in a header; only the tenant's own secret store (and, for the tenants listed in
// SHARED_SECRET_TENANTS, non-reserved Worker secrets) may resolve. A local upstream records every
// header it receives, so "refused" also means "never sent". Secret values are searched for in every
// response, log line, audit row and export.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, type Role, startJwtDev, type Tenant } from '../helpers/jwt-dev';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream';
import { ROOT } from '../helpers/wrangler';

const WORKER_SECRET = `worker-secret-${crypto.randomUUID()}`;
const SECRETS_KEY = `dev-secrets-key-${crypto.randomUUID()}`;
const GLOBEX_VALUE = `globex-value-${crypto.randomUUID()}`;
const GLOBEX_ROTATED = `globex-rotated-${crypto.randomUUID()}`;
const ACME_VALUE = `acme-value-${crypto.randomUUID()}`;
const CLI_VALUE = `cli-value-${crypto.randomUUID()}`;
const ALL_VALUES = [WORKER_SECRET, SECRETS_KEY, GLOBEX_VALUE, GLOBEX_ROTATED, ACME_VALUE, CLI_VALUE];
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let h: JwtDev;
let upstream: RecordingUpstream;
let upstreamUrl: string;
let seen: RecordingUpstream['seen'] = [];

const seenText = () => JSON.stringify(seen);

function api(tenant: Tenant, role: Role, method: string, path: string, body?: unknown, query = '') {
  return h.fetch(`/admin/api${path}${query}`, {
    method,
    headers: { ...h.auth(tenant, role), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const mountEntry = (header: string, marker: string) => ({ uri: upstreamUrl, prefix: 'rec', transport: { headers: { 'x-key': header, 'x-marker': marker } } });

/** A 2025 session as `tenant`'s caller. */
async function openSession(tenant: Tenant): Promise<string> {
  const init = await h.fetch('/mcp', {
    method: 'POST',
    headers: { ...h.auth(tenant, 'caller'), ...JSON_HEADERS },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-secrets', version: '1' } },
    }),
  });
  expect(init.status, init.text).toBe(200);
  return init.headers.get('mcp-session-id')!;
}

/** rec_ping in a 2025 session (a new one unless `sid` is given); returns the reply text. */
async function callPing(tenant: Tenant, sid?: string): Promise<string> {
  const auth = h.auth(tenant, 'caller');
  sid ??= await openSession(tenant);
  const call = await h.fetch('/mcp', {
    method: 'POST',
    headers: { ...auth, ...JSON_HEADERS, 'mcp-session-id': sid },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'rec_ping', arguments: {} } }),
  });
  return call.text;
}

/** One stateless 2026 tools/call of rec_ping as `tenant`'s caller. */
async function callPingModern(tenant: Tenant): Promise<string> {
  const r = await h.fetch('/mcp', {
    method: 'POST',
    headers: { ...h.auth(tenant, 'caller'), ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'rec_ping' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: {
        name: 'rec_ping',
        arguments: {},
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    }),
  });
  return r.text;
}

/** The `edgehub` bin against this instance as globex's admin; `input` is piped to stdin. */
function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('EDGEHUB_')) delete clean[k];
  const proc = spawn(process.execPath, [join(ROOT, 'src', 'cli', 'edgehub.mjs'), ...args], {
    cwd: ROOT,
    env: { ...clean, NO_COLOR: '1', EDGEHUB_URL: h.base, EDGEHUB_TOKEN: h.tokens.globex.admin } as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdin.end(input ?? '');
  return new Promise((res, rej) => {
    proc.on('error', rej);
    proc.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  upstreamUrl = upstream.url;
  seen = upstream.seen;
  h = await startJwtDev({ vars: { SECRETS_KEY, SOME_WORKER_SECRET: WORKER_SECRET, ALLOW_PRIVATE_UPSTREAMS: 'true' } });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await upstream?.close();
});

describe('Worker secrets are not readable by other tenants', () => {
  it('globex cannot mount an upstream with a Worker secret in a header, and the upstream never receives it', async () => {
    const r = await api('globex', 'admin', 'PUT', '/servers/rec', mountEntry('Bearer ${SOME_WORKER_SECRET}', 'globex-env'));
    // The auth key is a Worker var too.
    const key = await api('globex', 'admin', 'PUT', '/servers/rec', mountEntry('${AUTH_PUBLIC_KEY}', 'globex-auth'));
    expect(seenText().includes(WORKER_SECRET), 'the upstream received the Worker secret').toBe(false);
    expect(seenText()).not.toContain('BEGIN PUBLIC KEY');
    expect(seen.some((s) => s['x-marker']?.toString().startsWith('globex-'))).toBe(false);
    expect(r.status, r.text).toBe(422);
    expect(r.json.message).toContain('secret SOME_WORKER_SECRET is not set for tenant globex: edgehub secrets set SOME_WORKER_SECRET');
    expect(key.status, key.text).toBe(422);
  });

  it('saved without the mount check, the reference still never resolves in sessions or the modern lane', async () => {
    const r = await api('globex', 'admin', 'PUT', '/servers/rec', mountEntry('${SOME_WORKER_SECRET}', 'globex-nocheck'), '?check=false');
    expect(r.status, r.text).toBe(200);
    const legacy = await callPing('globex');
    expect(legacy).not.toContain('pong');
    const modern = await callPingModern('globex');
    expect(modern).not.toContain('pong');
    expect(seen.some((s) => s['x-marker'] === 'globex-nocheck')).toBe(false);
    expect(seenText()).not.toContain(WORKER_SECRET);
    expect((await api('globex', 'admin', 'DELETE', '/servers/rec')).status).toBe(200);
  });

  it('the default tenant (SHARED_SECRET_TENANTS unset) still resolves Worker secrets, but never SECRETS_KEY or AUTH_*', async () => {
    const ops = {
      authorization: `Bearer ${await h.token({ sub: 'ops', tenant: 'default', scope: 'admin mcp:read mcp:call' })}`,
      'content-type': 'application/json',
    };
    const put = (header: string, marker: string) =>
      h.fetch('/admin/api/servers/rec', { method: 'PUT', headers: ops, body: JSON.stringify(mountEntry(header, marker)) });
    const ok = await put('${SOME_WORKER_SECRET}', 'default-env');
    expect(ok.status, ok.text).toBe(200);
    expect(seen.filter((s) => s['x-marker'] === 'default-env').map((s) => s['x-key'])).toContain(WORKER_SECRET);
    for (const name of ['SECRETS_KEY', 'AUTH_PUBLIC_KEY', 'AUTH_ISSUER']) {
      const r = await put(`\${${name}}`, `default-${name}`);
      expect(r.status, r.text).toBe(422);
      expect(r.json.message).toContain(`secret ${name} is not set for tenant default`);
      expect(seen.some((s) => s['x-marker'] === `default-${name}`)).toBe(false);
    }
    expect(seenText()).not.toContain(SECRETS_KEY);
  });
});

describe('per-tenant secret store', () => {
  it('globex stores its own secret and the upstream receives exactly that, on both lanes', async () => {
    const put = await api('globex', 'admin', 'PUT', '/secrets/GLOBEX_KEY', { value: GLOBEX_VALUE });
    expect(put.status, put.text).toBe(200);
    const list = await api('globex', 'admin', 'GET', '/secrets');
    expect(list.status).toBe(200);
    expect(list.json.secrets.map((s: { name: string }) => s.name)).toEqual(['GLOBEX_KEY']);
    expect(Object.keys(list.json.secrets[0]).sort()).toEqual(['name', 'updatedAt', 'updatedBy']);
    const mount = await api('globex', 'admin', 'PUT', '/servers/rec', mountEntry('Bearer ${GLOBEX_KEY}', 'globex-own'));
    expect(mount.status, mount.text).toBe(200);
    expect(await callPing('globex')).toContain('pong');
    expect(await callPingModern('globex')).toContain('pong');
    const mine = seen.filter((s) => s['x-marker'] === 'globex-own');
    expect(mine.length).toBeGreaterThan(2);
    for (const s of mine) expect(s['x-key']).toBe(`Bearer ${GLOBEX_VALUE}`);
  });

  it('a rotated secret reaches new and live sessions and the modern lane (the write behaves like a config change)', async () => {
    const live = await openSession('globex');
    expect(await callPing('globex', live)).toContain('pong');
    const before = (await api('globex', 'admin', 'GET', '/config')).headers.get('etag');
    const put = await api('globex', 'admin', 'PUT', '/secrets/GLOBEX_KEY', { value: GLOBEX_ROTATED });
    expect(put.status, put.text).toBe(200);
    expect(put.json.servers).toEqual(['rec']);
    expect((await api('globex', 'admin', 'GET', '/config')).headers.get('etag')).not.toBe(before);
    // The live session is pushed the new version asynchronously (like any config change): its
    // calls switch to the new value within a moment.
    let switched = false;
    for (let i = 0; i < 30 && !switched; i++) {
      const n = seen.length;
      expect(await callPing('globex', live)).toContain('pong');
      switched = seen.slice(n).some((s) => s['x-marker'] === 'globex-own' && s['x-key'] === `Bearer ${GLOBEX_ROTATED}`);
      if (!switched) await new Promise((r) => setTimeout(r, 100));
    }
    expect(switched, 'the live session never used the rotated value').toBe(true);
    const n = seen.length;
    expect(await callPing('globex', live)).toContain('pong');
    expect(await callPing('globex')).toContain('pong');
    expect(await callPingModern('globex')).toContain('pong');
    const after = seen.slice(n).filter((s) => s['x-marker'] === 'globex-own');
    expect(after.length).toBeGreaterThan(2);
    for (const s of after) expect(s['x-key']).toBe(`Bearer ${GLOBEX_ROTATED}`);
  });

  it("acme cannot resolve globex's secret names; acme's own store is separate", async () => {
    const r = await api('acme', 'admin', 'PUT', '/servers/rec', mountEntry('${GLOBEX_KEY}', 'acme-steal'));
    expect(r.status, r.text).toBe(422);
    expect(r.json.message).toContain('secret GLOBEX_KEY is not set for tenant acme: edgehub secrets set GLOBEX_KEY');
    expect(seen.some((s) => s['x-marker'] === 'acme-steal')).toBe(false);
    expect((await api('acme', 'admin', 'GET', '/secrets')).json.secrets).toEqual([]);
    expect((await api('acme', 'admin', 'DELETE', '/secrets/GLOBEX_KEY')).status).toBe(404);
    expect((await api('acme', 'admin', 'PUT', '/secrets/ACME_KEY', { value: ACME_VALUE })).status).toBe(200);
    const g = await api('globex', 'admin', 'PUT', '/servers/rec2', { ...mountEntry('${ACME_KEY}', 'globex-steal'), prefix: 'rec2' });
    expect(g.status, g.text).toBe(422);
    expect(seen.some((s) => s['x-marker'] === 'globex-steal')).toBe(false);
    expect(seenText()).not.toContain(ACME_VALUE);
  });

  it('readers and callers get 403 on every secrets route', async () => {
    for (const role of ['reader', 'caller'] as const) {
      expect((await api('globex', role, 'GET', '/secrets')).status).toBe(403);
      expect((await api('globex', role, 'PUT', '/secrets/GLOBEX_KEY', { value: 'x' })).status).toBe(403);
      expect((await api('globex', role, 'DELETE', '/secrets/GLOBEX_KEY')).status).toBe(403);
    }
    expect((await h.fetch('/admin/api/secrets')).status).toBe(401);
    // Nothing changed.
    expect((await api('globex', 'admin', 'GET', '/secrets')).json.secrets.map((s: { name: string }) => s.name)).toEqual(['GLOBEX_KEY']);
  });

  it('bad names and values get clear 400s and change nothing', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/secrets/lower', { value: 'x' }, /name/],
      ['/secrets/1BAD', { value: 'x' }, /name/],
      ['/secrets/OK_NAME', { value: '' }, /empty/],
      ['/secrets/OK_NAME', { value: 42 }, /string/],
      ['/secrets/OK_NAME', {}, /value/],
      ['/secrets/OK_NAME', { value: 'a\r\nInjected: 1' }, /line break/],
      ['/secrets/OK_NAME', { value: 'x'.repeat(16 * 1024 + 1) }, /16 KiB/],
    ];
    for (const [path, body, msg] of cases) {
      const r = await api('globex', 'admin', 'PUT', path, body);
      expect(r.status, `${path} ${r.text}`).toBe(400);
      expect(r.json.message).toMatch(msg);
    }
    expect((await api('globex', 'admin', 'DELETE', '/secrets/NOPE')).status).toBe(404);
    expect((await api('globex', 'admin', 'GET', '/secrets')).json.secrets.map((s: { name: string }) => s.name)).toEqual(['GLOBEX_KEY']);
  });

  it('the dashboard shows secret names and update times, never values', async () => {
    const page = await h.fetch('/admin', { headers: h.auth('globex', 'admin') });
    expect(page.status).toBe(200);
    expect(page.text).toContain('GLOBEX_KEY');
    expect(page.text).toMatch(/id="secrets"/);
    for (const v of ALL_VALUES) expect(page.text).not.toContain(v);
  });

  it('the CLI sets a secret from stdin, lists it and removes it', async () => {
    const set = await cli(['secrets', 'set', 'CLI_KEY'], `${CLI_VALUE}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(CLI_VALUE);
    expect((await cli(['secrets', 'set', 'EMPTY_KEY'], '\n')).code).not.toBe(0);
    const list = await cli(['secrets', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).secrets.map((s: { name: string }) => s.name)).toEqual(['CLI_KEY', 'GLOBEX_KEY']);
    const table = await cli(['secrets', 'list']);
    expect(table.stdout).toContain('CLI_KEY');
    // The stored value is exactly stdin minus its trailing newline.
    const mount = await api('globex', 'admin', 'PUT', '/servers/rec3', { ...mountEntry('${CLI_KEY}', 'globex-cli'), prefix: 'rec3' });
    expect(mount.status, mount.text).toBe(200);
    expect(seen.filter((s) => s['x-marker'] === 'globex-cli').map((s) => s['x-key'])).toContain(CLI_VALUE);
    expect((await api('globex', 'admin', 'DELETE', '/servers/rec3')).status).toBe(200);
    const rm = await cli(['secrets', 'rm', 'CLI_KEY']);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await cli(['secrets', 'rm', 'CLI_KEY'])).code).not.toBe(0);
    expect((await api('globex', 'admin', 'GET', '/secrets')).json.secrets.map((s: { name: string }) => s.name)).toEqual(['GLOBEX_KEY']);
  });

  it('deleting a referenced secret unmounts it for new connections; audit rows name the secret, never the value', async () => {
    expect((await api('globex', 'admin', 'DELETE', '/secrets/GLOBEX_KEY')).status).toBe(200);
    const n = seen.length;
    expect(await callPing('globex')).not.toContain('pong');
    expect(seen.slice(n).some((s) => s['x-marker'] === 'globex-own')).toBe(false);
    const audit = await api('globex', 'admin', 'GET', '/audit', undefined, '?limit=1000');
    const rows = audit.json.audit.filter((a: { action: string }) => a.action.startsWith('secret.'));
    expect(rows.map((a: { action: string; target: string }) => `${a.action} ${a.target}`)).toEqual(
      expect.arrayContaining(['secret.set GLOBEX_KEY', 'secret.delete GLOBEX_KEY', 'secret.set CLI_KEY', 'secret.delete CLI_KEY']),
    );
  });
});

describe('no secret value anywhere', () => {
  it('not in replies, exports, audit rows or logs', async () => {
    for (const t of ['acme', 'globex'] as const) {
      const exp = await api(t, 'admin', 'GET', '/config');
      const audit = await api(t, 'admin', 'GET', '/audit', undefined, '?limit=1000');
      const metrics = await api(t, 'admin', 'GET', '/metrics');
      for (const v of ALL_VALUES) {
        expect(exp.text).not.toContain(v);
        expect(audit.text).not.toContain(v);
        expect(metrics.text).not.toContain(v);
      }
    }
    const replies = h.responses.join('\n');
    const logs = h.dev.output();
    for (const v of ALL_VALUES) {
      expect(replies.includes(v), `a reply contains ${v.slice(0, 12)}…`).toBe(false);
      expect(logs.includes(v), `a log line contains ${v.slice(0, 12)}…`).toBe(false);
    }
  });
});
