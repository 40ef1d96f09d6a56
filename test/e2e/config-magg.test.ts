// Magg's config forms on the shared dev instance: the fixtures in test/fixtures/magg round-trip
// through PUT/GET /admin/api/config, unknown keys come back as warnings (and are refused with
// ?strict=true), Magg kit files are stored verbatim, and `self_prefix`/`prefix_sep` rename the
// hub's tools and resources for a real SDK client. The config is restored at the end.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import legacyKits from '../fixtures/magg/config-legacy-kits.json';
import quirks from '../fixtures/magg/config-quirks.json';
import saved from '../fixtures/magg/config-saved.json';
import exampleKit from '../fixtures/magg/kit.d/example.json';
import researchKit from '../fixtures/magg/kit.d/research.json';
import { admin } from '../helpers/admin';
import { type Proc, startEverything } from '../helpers/procs';

const base = () => inject('edgehubUrl');
let ev: Proc;
let original: any;

/** Replaces the whole config (no mount checks unless asked), against the current version. */
async function putConfig(cfg: unknown, query = '?check=false') {
  const cur = await admin(base(), 'GET', '/config');
  return admin(base(), 'PUT', `/config${query}`, cfg, { 'if-match': cur.headers.get('etag')! });
}

async function connect() {
  const client = new Client({ name: 'magg-names', version: '1' });
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changed++;
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  return { client, changed: () => changed };
}

beforeAll(async () => {
  ev = await startEverything();
  original = (await admin(base(), 'GET', '/config')).json;
});

afterAll(async () => {
  const r = await putConfig(original);
  expect(r.status, r.text).toBe(200);
  await ev?.stop();
});

describe("Magg's config forms round-trip", () => {
  it('each fixture: PUT then GET /admin/api/config returns it unchanged', async () => {
    for (const [name, cfg] of Object.entries({ saved, legacyKits, quirks })) {
      const put = await putConfig(cfg);
      expect(put.status, `${name}: ${put.text}`).toBe(200);
      const got = await admin(base(), 'GET', '/config');
      expect(got.json, name).toEqual(cfg);
    }
    // The last one (quirks): source-only entries are kept but not mounted; stdio entries go to a connector.
    const put = await putConfig(quirks);
    expect(put.json.changes.notMountable).toEqual(['valid', '123invalid']);
    expect(put.json.changes.viaConnector).toEqual(['uvx-tool']);
    expect((await admin(base(), 'GET', '/servers/123invalid')).json).toMatchObject({ source: 'https://example.com', kind: 'invalid' });
  });

  it('unknown keys are kept and returned as warnings with their path; ?strict=true refuses them and stores nothing', async () => {
    const put = await putConfig(quirks);
    expect(put.json.warnings).toEqual([
      { path: 'servers.remote.added_by', message: expect.stringMatching(/unknown key 'added_by'/) },
      { path: 'kits.tools.loaded_at', message: expect.stringMatching(/unknown key 'loaded_at'/) },
    ]);
    const typo = { servers: { x: { uri: 'https://a.example/mcp', enabled: false, transport: { hedaers: { A: 'b' } } } } };
    const before = await admin(base(), 'GET', '/config');
    const strict = await putConfig(typo, '?check=false&strict=true');
    expect(strict.status).toBe(400);
    expect(strict.json).toMatchObject({ error: 'invalid', field: 'servers.x.transport.hedaers' });
    expect(strict.json.message).toMatch(/servers\.x\.transport\.hedaers: Unrecognized key/);
    const after = await admin(base(), 'GET', '/config');
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));

    const lenient = await putConfig(typo);
    expect(lenient.status).toBe(200);
    expect(lenient.json.warnings.map((w: any) => w.path)).toEqual(['servers.x.transport.hedaers']);
    expect((await admin(base(), 'GET', '/config')).json).toEqual(typo);

    const server = await admin(base(), 'PUT', '/servers/y?check=false', { uri: 'https://y.example/mcp', enabled: false, colour: 'red' });
    expect(server.json.warnings).toEqual([{ path: 'colour', message: expect.any(String) }]);
    const patch = await admin(base(), 'PATCH', '/servers/y?check=false', { notes: 'n', size: 3 });
    expect(patch.json.warnings.map((w: any) => w.path)).toEqual(['colour', 'size']);
    expect((await admin(base(), 'GET', '/servers/y')).json).toMatchObject({ colour: 'red', size: 3, notes: 'n' });
    const refused = await admin(base(), 'PATCH', '/servers/y?check=false&strict=true', { notes: 'm' });
    expect(refused).toMatchObject({ status: 400, json: { field: 'colour' } });
  });

  it('a Magg kit file is accepted verbatim by PUT /kits/:name and loads', async () => {
    expect((await putConfig(legacyKits)).status).toBe(200);
    const put = await admin(base(), 'PUT', '/kits/research', researchKit);
    expect(put.status, put.text).toBe(200);
    expect(put.json.warnings).toEqual([{ path: 'license', message: expect.any(String) }]);
    expect((await admin(base(), 'PUT', '/kits/example', exampleKit)).json.warnings).toBeUndefined();
    const cfg = (await admin(base(), 'GET', '/config')).json;
    expect(cfg.kits).toEqual({
      kit1: { name: 'kit1', source: 'legacy' },
      kit2: { name: 'kit2', source: 'legacy' },
      kit3: { name: 'kit3', source: 'legacy' },
      research: researchKit,
      example: exampleKit,
    });
    const strict = await admin(base(), 'PUT', '/kits/other?strict=true', researchKit);
    expect(strict).toMatchObject({ status: 400, json: { field: 'license' } });
    expect((await admin(base(), 'GET', '/kits/other')).status).toBe(404);
    const load = await admin(base(), 'POST', '/kits/example/load');
    expect(load.status, load.text).toBe(200);
    expect((await admin(base(), 'GET', '/servers/memory')).json).toMatchObject({ command: 'npx', kits: ['example'], kind: 'stdio' });
  });
});

describe('self_prefix and prefix_sep', () => {
  it('self_prefix "magg" exposes magg_* tools and magg:// resources; sessions are told; removing it restores hub_*', async () => {
    const evServer = { ev: { uri: `${ev.url}/mcp`, prefix: 'ev' } };
    expect((await putConfig({ servers: evServer }, '')).status).toBe(200);
    const s = await connect();
    expect((await s.client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['hub_status', 'ev_echo']));
    await new Promise((r) => setTimeout(r, 300));

    const put = await putConfig({ servers: evServer, self_prefix: 'magg' });
    expect(put.status, put.text).toBe(200);
    const deadline = Date.now() + 10_000;
    while (s.changed() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(s.changed()).toBeGreaterThanOrEqual(1);
    const names = (await s.client.listTools()).tools.map((t) => t.name);
    for (const t of ['status', 'check', 'list_servers', 'add_server', 'remove_server', 'load_kit', 'unload_kit', 'list_kits', 'kit_info', 'reload_config'])
      expect(names).toContain(`magg_${t}`);
    expect(names.filter((n) => n.startsWith('hub_'))).toEqual([]);
    expect(names).toContain('ev_echo');
    const status = await s.client.callTool({ name: 'magg_status', arguments: {} });
    expect(status.isError).toBeFalsy();
    expect((status.structuredContent as any).configVersion).toBe(put.json.version);
    const uris = (await s.client.listResources()).resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['magg://servers/all', 'magg://kits/all']));
    expect(uris.some((u) => u.startsWith('hub://'))).toBe(false);
    expect((await s.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toContain('magg://server/{name}');
    const all = await s.client.readResource({ uri: 'magg://servers/all' });
    expect(JSON.parse(String((all.contents[0] as { text?: string }).text)).map((x: any) => x.name)).toEqual(['ev']);
    const one = await s.client.readResource({ uri: 'magg://server/ev' });
    expect(JSON.parse(String((one.contents[0] as { text?: string }).text))).toMatchObject({ name: 'ev', prefix: 'ev' });

    expect((await putConfig({ servers: evServer })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const back = (await s.client.listTools()).tools.map((t) => t.name);
    expect(back).toContain('hub_status');
    expect(back.filter((n) => n.startsWith('magg_'))).toEqual([]);
    expect((await s.client.readResource({ uri: 'hub://kits/all' })).contents).toHaveLength(1);
    await s.client.close();
  });

  it('a server may not take the self prefix', async () => {
    const r = await putConfig({ servers: { m: { uri: 'https://m.example/mcp', prefix: 'magg', enabled: true } }, self_prefix: 'magg' });
    expect(r).toMatchObject({ status: 409, json: { field: 'servers.m.prefix' } });
  });

  it('prefix_sep "__" joins every prefix and tool; calls route through it', async () => {
    const put = await putConfig({ servers: { ev: { uri: `${ev.url}/mcp`, prefix: 'ev' } }, prefix_sep: '__' }, '');
    expect(put.status, put.text).toBe(200);
    const s = await connect();
    const names = (await s.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['ev__echo', 'hub__status', 'proxy']));
    expect(names).not.toContain('ev_echo');
    const echo = await s.client.callTool({ name: 'ev__echo', arguments: { message: 'sep' } });
    expect(JSON.stringify(echo.content)).toContain('sep');
    await s.client.close();
  });

  it('separators that would break names or their parsing are refused, naming the field', async () => {
    for (const [sep, why] of [
      [':', /\^\[a-zA-Z0-9_-\]\{1,64\}\$/],
      ['.', /\^\[a-zA-Z0-9_-\]\{1,64\}\$/],
      ['-', /prefixes may contain .* unambiguously/],
    ] as const) {
      const r = await putConfig({ servers: {}, prefix_sep: sep });
      expect(r.status, sep).toBe(400);
      expect(r.json.field).toBe('prefix_sep');
      expect(r.json.message).toMatch(why);
    }
    for (const bad of ['my_app', '']) {
      const r = await putConfig({ servers: {}, self_prefix: bad });
      expect(r).toMatchObject({ status: 400, json: { field: 'self_prefix' } });
    }
  });
});
