// Magg's own config.json and kit files (test/fixtures/magg-upstream, taken from Magg's repository:
// see its manifest.json and NOTICE.md) through the admin API inside workerd: each is sent as
// written, gets the outcome the manifest names, and exports back unchanged; kit files also load.
// The only differences allowed between a file and its export are listed with their reasons in
// test/helpers/magg-upstream.ts (NORMALISED).
//
// Mount checks are off (`?check=false`): the files point at upstreams that do not exist here
// (npx packages, http://localhost:8080). Whether an upstream answers is not what is tested.
import { describe, expect, it } from 'vitest';
import {
  maggConfigs as configs,
  maggFiles as entries,
  expectedExport,
  maggKits as kits,
  MAGG_COMMIT,
  type MaggFile,
  maggAddServer,
  maggFile,
  NORMALISED,
} from '../helpers/magg-upstream';
import { call, openSession, request } from '../helpers/rpc';

// Raw text, so each file reaches the API byte for byte (some are not JSON, as in Magg's tests).
const raw = import.meta.glob('../fixtures/magg-upstream/*/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const text = (e: MaggFile) => {
  const t = raw[`../fixtures/magg-upstream/${e.file}`];
  if (t === undefined) throw new Error(`${e.file} is in the manifest but not on disk`);
  return t;
};

async function api(method: string, path: string, body?: string) {
  const r = await call(`/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body });
  const t = await r.text();
  let json: any;
  try {
    json = JSON.parse(t);
  } catch {
    json = undefined;
  }
  return { status: r.status, text: t, json, etag: r.headers.get('etag') };
}

const EMPTY = JSON.stringify({ servers: {} });

describe('manifest', () => {
  it('lists every file in test/fixtures/magg-upstream, each with a source, line, commit and expected outcome', () => {
    expect(
      Object.keys(raw)
        .map((k) => k.replace('../fixtures/magg-upstream/', ''))
        .sort(),
    ).toEqual(entries.map((e) => e.file).sort());
    for (const e of entries) {
      expect(e.commit, e.file).toBe(MAGG_COMMIT);
      expect(e.line, e.file).toBeGreaterThan(0);
      expect(['ok', 'refused'], e.file).toContain(e.expect);
      if (e.expect === 'refused') expect(e.message, e.file).toBeTruthy();
      if (e.kind === 'kit') expect(e.kit_name, e.file).toMatch(/^[a-z0-9-]+$/);
    }
    for (const file of Object.keys(NORMALISED)) expect(entries.map((e) => e.file)).toContain(file);
  });
});

describe("Magg's config.json files: PUT /admin/api/config, then GET exports them unchanged", () => {
  it.each(configs.filter((e) => e.expect === 'ok'))('$file ($source:$line)', async (e) => {
    const put = await api('PUT', '/config?check=false', text(e));
    expect(put.status, put.text).toBe(200);
    expect((put.json.warnings ?? []).map((w: { path: string }) => w.path)).toEqual(e.warnings);
    expect((await api('GET', '/config')).json).toEqual(expectedExport(e, text(e)));
    // Every field these files use is one edgehub knows: strict mode accepts them too.
    if (!e.warnings?.length) expect((await api('PUT', '/config?check=false&strict=true', text(e))).status).toBe(200);
  });

  it.each(configs.filter((e) => e.expect === 'refused'))('$file ($source:$line) is refused and nothing is stored', async (e) => {
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    const before = await api('GET', '/config');
    const put = await api('PUT', '/config?check=false', text(e));
    expect(put.status).toBe(400);
    expect(put.json.message).toContain(e.message);
    const after = await api('GET', '/config');
    expect(after.etag).toBe(before.etag);
    expect(after.json).toEqual({ servers: {} });
  });

  it("Magg's self_prefix renames edgehub's own tools, as it renames Magg's", async () => {
    const e = maggFile('configs/test-server-removal-self-prefix.json');
    expect((await api('PUT', '/config?check=false', text(e))).status).toBe(200);
    const sid = await openSession();
    const names = (await request(sid, 'tools/list')).result.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test_status', 'test_load_kit', 'proxy']));
    expect(names.filter((n: string) => n.startsWith('hub_'))).toEqual([]);
  });

  it('source-only and stdio servers are kept: notMountable / viaConnector, as the reply says', async () => {
    const migration = maggFile('configs/test-config-migration-invalid-server.json');
    const put = await api('PUT', '/config', text(migration));
    expect(put.status, put.text).toBe(200);
    expect(put.json.changes.notMountable).toEqual(['valid', '123invalid']);
    const readme = maggFile('configs/readme-example.json');
    const stdio = await api('PUT', '/config', text(readme));
    expect(stdio.status, stdio.text).toBe(200);
    expect(stdio.json.changes.viaConnector).toEqual(['calculator']);
  });
});

describe("Magg's kit files: PUT /admin/api/kits/:name stores them verbatim; loading adds their servers", () => {
  it.each(kits.filter((e) => e.expect === 'ok'))('$file ($source:$line) as kit $kit_name', async (e) => {
    const name = e.kit_name!;
    const kit = JSON.parse(text(e));
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    const put = await api('PUT', `/kits/${name}`, text(e));
    expect(put.status, put.text).toBe(200);
    expect((put.json.warnings ?? []).map((w: { path: string }) => w.path)).toEqual(e.warnings);
    expect((await api('GET', '/config')).json.kits).toEqual({ [name]: kit });
    expect((await api('GET', `/kits/${name}`)).json).toEqual({ name, ...kit });
    if (!e.warnings?.length) expect((await api('PUT', `/kits/${name}-strict?strict=true`, text(e))).status).toBe(200);

    const load = await api('POST', `/kits/${name}/load?check=false`);
    expect(load.status, load.text).toBe(200);
    const servers = Object.entries<Record<string, unknown>>(kit.servers ?? {});
    expect(load.json.changes.add).toEqual(servers.map(([n]) => n));
    const cfg = (await api('GET', '/config')).json;
    // Loaded as Magg loads a kit: the entry as written, tagged with this kit only (Magg drops a
    // `kits` field a kit file's server carries), enabled unless the entry says otherwise.
    expect(cfg.servers).toEqual(Object.fromEntries(servers.map(([n, s]) => [n, { ...s, enabled: s.enabled ?? true, kits: [name] }])));
    expect(cfg.kits[name]).toEqual(kit);

    const unload = await api('POST', `/kits/${name}/unload`);
    expect(unload.status, unload.text).toBe(200);
    expect((await api('GET', '/config')).json.servers).toEqual({});
  });

  it.each(kits.filter((e) => e.expect === 'refused'))('$file ($source:$line) is refused and nothing is stored', async (e) => {
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    const put = await api('PUT', `/kits/${e.kit_name}`, text(e));
    expect(put.status).toBe(400);
    expect(put.json.message).toContain(e.message);
    expect((await api('GET', `/kits/${e.kit_name}`)).status).toBe(404);
  });

  it('two kits sharing a server (test_kit_cli): the server carries both tags and stays until its last kit is unloaded', async () => {
    const alpha = maggFile('kits/test-kit-cli-alpha.json');
    const beta = maggFile('kits/test-kit-cli-beta.json');
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    for (const k of [alpha, beta]) expect((await api('PUT', `/kits/${k.kit_name}`, text(k))).status).toBe(200);
    for (const k of [alpha, beta]) expect((await api('POST', `/kits/${k.kit_name}/load`)).status).toBe(200);
    let servers = (await api('GET', '/config')).json.servers;
    expect(Object.keys(servers)).toEqual(['shared', 'alpha-only', 'beta-only']);
    expect(servers.shared.kits).toEqual(['alpha', 'beta']);
    expect((await api('POST', '/kits/alpha/unload')).status).toBe(200);
    servers = (await api('GET', '/config')).json.servers;
    expect(Object.keys(servers)).toEqual(['shared', 'beta-only']);
    expect(servers.shared.kits).toEqual(['beta']);
  });

  it('POST /kits/:name/load mount-checks by default; ?check=false saves without, as Magg saves a kit before mounting it', async () => {
    const web = maggFile('kits/test-kit-web-kit.json');
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    expect((await api('PUT', '/kits/web-kit', text(web))).status).toBe(200);
    const before = await api('GET', '/config');
    const checked = await api('POST', '/kits/web-kit/load');
    expect(checked.status).toBe(422);
    expect(checked.json).toMatchObject({ error: 'mount_failed', field: 'servers.scraper' });
    expect((await api('GET', '/config')).etag).toBe(before.etag);
    const unchecked = await api('POST', '/kits/web-kit/load?check=false');
    expect(unchecked.status, unchecked.text).toBe(200);
    expect(unchecked.json.changes).toMatchObject({ add: ['browser', 'scraper'], viaConnector: ['browser'] });
  });

  it("hub_load_kit loads Magg's example kit; hub_kit_info shows it", async () => {
    const example = maggFile('kits/contrib-example.json');
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    expect((await api('PUT', '/kits/example', text(example))).status).toBe(200);
    const sid = await openSession();
    const load = await request(sid, 'tools/call', { name: 'hub_load_kit', arguments: { name: 'example' } });
    expect(load.result.isError, JSON.stringify(load.result.content)).toBeFalsy();
    const list = (await request(sid, 'tools/call', { name: 'hub_list_servers', arguments: {} })).result.structuredContent.servers;
    expect(list.filter((s: { kits?: string[] }) => s.kits?.includes('example')).map((s: { name: string }) => s.name)).toEqual(['filesystem', 'memory']);
    const info = await request(sid, 'tools/call', { name: 'hub_kit_info', arguments: { name: 'example' } });
    expect(JSON.stringify(info.result.structuredContent)).toContain('Example kit with common MCP servers');
  });
});

describe('names come from the config keys, as Magg sets them', () => {
  it("a kit is listed and found by the name it is stored under, whatever its file's own `name` (test.json holds kit 'test-kit')", async () => {
    const e = maggFile('kits/test-kit-load-success.json');
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    expect((await api('PUT', '/kits/test', text(e))).status).toBe(200);
    const sid = await openSession();
    const kits = (await request(sid, 'tools/call', { name: 'hub_list_kits', arguments: {} })).result.structuredContent.kits;
    expect(kits.map((k: { name: string }) => k.name)).toEqual(['test']);
    const info = await request(sid, 'tools/call', { name: 'hub_kit_info', arguments: { name: 'test' } });
    expect(info.result.isError, JSON.stringify(info.result.content)).toBeFalsy();
    expect(info.result.structuredContent).toMatchObject({ name: 'test', author: 'Tester', servers: { server1: { command: 'python' } } });
    const all = JSON.parse((await request(sid, 'resources/read', { uri: 'hub://kits/all' })).result.contents[0].text);
    expect(all.map((k: { name: string }) => k.name)).toEqual(['test']);
    expect((await api('GET', '/kits')).json.kits.map((k: { name: string }) => k.name)).toEqual(['test']);
  });

  it("a server entry that repeats its name inside (Magg's saved form, docs/index.md) is listed under its key when copied to a new key", async () => {
    const cfg = JSON.parse(text(maggFile('configs/docs-index-config-file.json')));
    cfg.servers.calc2 = { ...cfg.servers.calc, prefix: 'calc2' }; // copied by hand; the inner "name" still says calc
    expect((await api('PUT', '/config?check=false', JSON.stringify(cfg))).status).toBe(200);
    expect((await api('GET', '/config')).json).toEqual(cfg);
    expect((await api('GET', '/servers')).json.servers.map((s: { name: string }) => s.name)).toEqual(['calc', 'calc2']);
    expect((await api('GET', '/servers/calc2')).json).toMatchObject({ name: 'calc2', prefix: 'calc2' });
    const sid = await openSession();
    const listed = (await request(sid, 'tools/call', { name: 'hub_list_servers', arguments: {} })).result.structuredContent.servers;
    expect(listed.map((s: { name: string }) => s.name)).toEqual(['calc', 'calc2']);
    const one = await request(sid, 'resources/read', { uri: 'hub://server/calc2' });
    expect(JSON.parse(one.result.contents[0].text)).toMatchObject({ name: 'calc2', prefix: 'calc2' });
  });
});

describe("Magg's magg_add_server arguments through hub_add_server", () => {
  // Magg's add_server takes `command` as a full command line and splits it with shlex; the entry
  // saved must be the one Magg saves (manifest `magg_stores`), so a connector can start it.
  it.each(maggAddServer)('$file ($source:$line)', async (e) => {
    expect((await api('PUT', '/config?check=false', EMPTY)).status).toBe(200);
    const { name, ...args } = JSON.parse(text(e));
    const sid = await openSession();
    const r = await request(sid, 'tools/call', { name: 'hub_add_server', arguments: { name, ...args } });
    expect(r.result.isError, JSON.stringify(r.result.content)).toBeFalsy();
    const stored = (await api('GET', '/config')).json.servers[name];
    expect(stored).toEqual({ ...e.magg_stores, enabled: args.enable !== false });
  });

  it('env and transport as JSON object strings (as Magg takes them) become objects; a bad one is refused', async () => {
    const sid = await openSession();
    const call = (args: Record<string, unknown>) => request(sid, 'tools/call', { name: 'hub_add_server', arguments: { enable: false, ...args } });
    const ok = await call({ name: 'envs', command: 'node "my script.js" --port 8000', env: '{"A": "1"}', transport: '{"keep_alive": false}' });
    expect(ok.result.isError, JSON.stringify(ok.result.content)).toBeFalsy();
    expect((await api('GET', '/config')).json.servers.envs).toEqual({
      command: 'node',
      args: ['my script.js', '--port', '8000'],
      env: { A: '***' },
      transport: { keep_alive: false },
      enabled: false,
    });
    const given = await call({ name: 'given', command: 'my tool', args: ['--x'] });
    expect(given.result.isError).toBeFalsy();
    expect((await api('GET', '/config')).json.servers.given).toMatchObject({ command: 'my tool', args: ['--x'] });
    for (const [args, why] of [
      [{ name: 'bad1', command: "echo 'open" }, /command: the command line has an unclosed ' quote/],
      [{ name: 'bad2', command: 'x', env: '[1]' }, /env must be an object or a JSON object string/],
      [{ name: 'bad3', command: '   ' }, /command is empty/],
    ] as const) {
      const r = await call(args);
      expect(r.result.isError).toBe(true);
      expect(r.result.content[0].text).toMatch(why);
    }
  });
});
