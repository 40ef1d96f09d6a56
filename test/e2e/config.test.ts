// Live configuration through the admin API: Magg import/export, validation errors naming the
// field, If-Match check-and-set, audit rows, refused mounts, list_changed to every session.
// Magg's forms (settings, unknown keys and strict mode, self_prefix, prefix_sep): config-magg.test.ts.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, restoreConfig } from '../helpers/admin';
import { openListen } from '../helpers/listen-stream';
import { type Proc, startEverything } from '../helpers/procs';
import { freePort } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
let ev: Proc;
let original: any;

/** A Magg config.json as Magg writes it: stdio and HTTP servers, transport options, kits. */
const MAGG_CONFIG = {
  servers: {
    calc: {
      source: 'https://github.com/example/mcp-calc-server',
      prefix: 'calc',
      notes: 'Basic calculator server',
      command: 'python',
      args: ['-m', 'mcp_calc_server'],
      uri: null,
      env: { API_KEY: '${CALC_KEY}' },
      cwd: '/srv/calc',
      transport: {},
      enabled: true,
      kits: ['calculator'],
    },
    web: {
      source: 'https://example.com/web-mcp',
      prefix: 'web',
      uri: 'https://mcp.example.com/mcp',
      transport: { headers: { Authorization: 'Bearer ${WEB_TOKEN}' }, sse_read_timeout: 300, keep_alive: true },
      enabled: false,
    },
    legacy: { source: 'https://example.com/legacy', uri: 'https://legacy.example.com/sse', enabled: false, notes: null },
  },
  kits: {
    calculator: { name: 'calculator', description: 'Basic calculator functionality for MCP', path: '/home/u/.magg/kit.d/calculator.json', source: null },
  },
};

beforeAll(async () => {
  ev = await startEverything();
  const r = await admin(base(), 'GET', '/config');
  original = r.json;
});

afterAll(async () => {
  await restoreConfig(base(), original);
  await ev?.stop();
});

describe('Magg config import/export', () => {
  it('import → export is deep-equal; stdio entries kept and reported as served via a connector', async () => {
    const cur = await admin(base(), 'GET', '/config');
    const put = await admin(base(), 'PUT', '/config', MAGG_CONFIG, { 'if-match': cur.headers.get('etag')! });
    expect(put.status).toBe(200);
    expect(put.json.changes.viaConnector).toEqual(['calc']);
    const exported = await admin(base(), 'GET', '/config');
    expect(exported.json).toEqual(MAGG_CONFIG);
    expect(exported.headers.get('etag')).toBe(`"${put.json.version}"`);
    const status = await admin(base(), 'GET', '/servers/calc');
    expect(status.json.kind).toBe('stdio');
  });

  it('bad configs are refused with the path of the bad field, and nothing is stored', async () => {
    const before = await admin(base(), 'GET', '/config');
    const cases: [unknown, RegExp][] = [
      [{ servers: { x: { uri: 'https://a.example/mcp', prefix: 'has_underscore' } } }, /servers\.x\.prefix/],
      [{ servers: { x: { uri: 'ftp://a.example' } } }, /servers\.x\.uri/],
      [{ servers: { 'bad name!': { uri: 'https://a.example/mcp' } } }, /servers/],
      [{ servers: { x: { uri: 'https://a.example/mcp', enabled: 'yes' } } }, /servers\.x\.enabled/],
    ];
    for (const [cfg, field] of cases) {
      const r = await admin(base(), 'PUT', '/config?check=false', cfg);
      expect(r.status, JSON.stringify(cfg)).toBe(400);
      expect(r.json.message).toMatch(field);
    }
    const broken = await fetch(`${base()}/admin/api/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"servers": ' });
    expect(broken.status).toBe(400);
    const after = await admin(base(), 'GET', '/config');
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.json).toEqual(before.json);
  });
});

describe('check-and-set and audit', () => {
  it('two concurrent PUTs with the same If-Match: one wins, the other gets 412', async () => {
    const cur = await admin(base(), 'GET', '/config');
    const etag = cur.headers.get('etag')!;
    const a = { ...cur.json, servers: { ...cur.json.servers, one: { uri: 'https://one.example/mcp', enabled: false } } };
    const b = { ...cur.json, servers: { ...cur.json.servers, two: { uri: 'https://two.example/mcp', enabled: false } } };
    const [ra, rb] = await Promise.all([admin(base(), 'PUT', '/config', a, { 'if-match': etag }), admin(base(), 'PUT', '/config', b, { 'if-match': etag })]);
    expect([ra.status, rb.status].sort()).toEqual([200, 412]);
    const after = await admin(base(), 'GET', '/config');
    const winner = ra.status === 200 ? 'one' : 'two';
    const loser = winner === 'one' ? 'two' : 'one';
    expect(after.json.servers[winner]).toBeDefined();
    expect(after.json.servers[loser]).toBeUndefined();
  });

  it('a server whose mount fails is not saved; the error says why; exactly one failed audit row', async () => {
    const before = await admin(base(), 'GET', '/config');
    const audit0 = (await admin(base(), 'GET', '/audit?limit=1')).json.audit[0];
    const dead = await freePort();
    const r = await admin(base(), 'PUT', '/servers/deadone', { uri: `http://127.0.0.1:${dead}/mcp`, prefix: 'dead' });
    expect(r.status).toBe(422);
    expect(r.json.message).toMatch(/mounting 'deadone' failed/);
    const after = await admin(base(), 'GET', '/config');
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.json.servers.deadone).toBeUndefined();
    const rows = (await admin(base(), 'GET', '/audit?limit=10')).json.audit.filter((x: any) => x.id > audit0.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'server.put', target: 'deadone', ok: false });
    expect(rows[0].versionAfter).toBe(rows[0].versionBefore);
  });

  it('every successful change writes exactly one audit row with before/after versions', async () => {
    const first = (await admin(base(), 'GET', '/audit?limit=1')).json.audit[0];
    const add = await admin(base(), 'PUT', '/servers/ev', { uri: `${ev.url}/mcp`, prefix: 'ev' });
    expect(add.status).toBe(200);
    const dis = await admin(base(), 'POST', '/servers/ev/disable');
    const en = await admin(base(), 'POST', '/servers/ev/enable');
    const del = await admin(base(), 'DELETE', '/servers/ev');
    for (const r of [dis, en, del]) expect(r.status).toBe(200);
    const rows = (await admin(base(), 'GET', '/audit?limit=20')).json.audit.filter((x: any) => x.id > first.id).reverse();
    expect(rows.map((x: any) => x.action)).toEqual(['server.put', 'server.disable', 'server.enable', 'server.remove']);
    for (const row of rows) {
      expect(row.ok).toBe(true);
      expect(row.versionAfter).toBe(row.versionBefore + 1);
      expect(row.actor).toBe('dev');
    }
  });
});

describe('live sessions learn about changes', () => {
  it('every live session gets tools/list_changed after a change and then sees the new tools', async () => {
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const client = new Client({ name: 'lc', version: '1' });
        let changed = 0;
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          changed++;
        });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
        await client.listTools();
        return { client, changed: () => changed };
      }),
    );
    // Let each client's GET stream open before the change lands.
    await new Promise((r) => setTimeout(r, 300));
    const add = await admin(base(), 'PUT', '/servers/ev', { uri: `${ev.url}/mcp`, prefix: 'ev' });
    expect(add.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (clients.some((c) => c.changed() === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of clients) {
      expect(c.changed()).toBeGreaterThanOrEqual(1);
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).toContain('ev_echo');
    }
    await admin(base(), 'DELETE', '/servers/ev');
    await Promise.all(clients.map((c) => c.client.close()));
  });

  it('a 2026 subscriptions/listen stream gets tools/list_changed after a change', async () => {
    const listen = await openListen(`${base()}/mcp`, 77);
    expect(listen.res.headers.get('content-type')).toContain('text/event-stream');
    await listen.read(/subscriptions\/acknowledged/);
    const change = admin(base(), 'PUT', '/servers/quiet', { uri: 'https://quiet.example/mcp', enabled: false });
    await listen.read(/tools\/list_changed/);
    expect((await change).status).toBe(200);
    const frames = listen
      .text()
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
    expect(frames[0].method).toBe('notifications/subscriptions/acknowledged');
    const changed = frames.find((f) => f.method === 'notifications/tools/list_changed');
    expect(changed.params._meta['io.modelcontextprotocol/subscriptionId']).toBe(77);
    listen.close();
    await admin(base(), 'DELETE', '/servers/quiet');
  });
});
