// The hub_* meta tools, hub:// resources, kits and Magg's proxy tool, through /mcp inside workerd.
import { describe, expect, it } from 'vitest';
import { call, openSession, request } from '../helpers/rpc';

async function tool(sid: string, name: string, args: Record<string, unknown> = {}) {
  const r = await request(sid, 'tools/call', { name, arguments: args });
  if (r.error) throw new Error(`${name}: ${r.error.message}`);
  return r.result;
}
const adminApi = (method: string, path: string, body?: unknown) =>
  call(`/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('hub tools', () => {
  it('lists every Magg meta tool under the hub prefix, plus proxy', async () => {
    const sid = await openSession();
    const names = (await request(sid, 'tools/list')).result.tools.map((t: any) => t.name);
    for (const n of [
      'status',
      'list_servers',
      'add_server',
      'remove_server',
      'enable_server',
      'disable_server',
      'check',
      'reload_config',
      'list_kits',
      'load_kit',
      'unload_kit',
      'kit_info',
    ])
      expect(names).toContain(`hub_${n}`);
    expect(names).toContain('proxy');
  });

  it('add (disabled), list, refused enable (mount fails, reason given), disable, remove — each a new version', async () => {
    const sid = await openSession();
    const added = await tool(sid, 'hub_add_server', { name: 'later', uri: 'http://127.0.0.1:9/mcp', prefix: 'later', enable: false });
    expect(added.structuredContent.ok).toBe(true);
    const v1 = added.structuredContent.version;
    const list = await tool(sid, 'hub_list_servers');
    expect(list.structuredContent.servers.find((s: any) => s.name === 'later')).toMatchObject({ enabled: false, prefix: 'later' });
    const enable = await tool(sid, 'hub_enable_server', { name: 'later' });
    expect(enable.isError).toBe(true);
    expect(enable.content[0].text).toMatch(/mounting 'later' failed/);
    const bad = await tool(sid, 'hub_add_server', { name: 'bad', uri: 'http://127.0.0.1:9/mcp', prefix: 'no_underscores', enable: false });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/prefix/);
    const removed = await tool(sid, 'hub_remove_server', { name: 'later' });
    expect(removed.structuredContent).toMatchObject({ ok: true, version: v1 + 1 });
  });

  it('reads hub:// resources', async () => {
    const sid = await openSession();
    const { result } = await request(sid, 'resources/list');
    expect(result.resources.map((r: any) => r.uri)).toEqual(expect.arrayContaining(['hub://servers/all', 'hub://kits/all']));
    const read = await request(sid, 'resources/read', { uri: 'hub://servers/all' });
    const servers = JSON.parse(read.result.contents[0].text);
    expect(servers.find((s: any) => s.name === 'git')).toBeDefined();
    const one = await request(sid, 'resources/read', { uri: 'hub://server/git' });
    expect(JSON.parse(one.result.contents[0].text).name).toBe('git');
  });

  it('kits: load adds tagged servers, unload removes only servers in no other kit', async () => {
    const kitA = {
      description: 'A',
      servers: { shared: { uri: 'http://127.0.0.1:9/mcp', enabled: false }, onlya: { uri: 'http://127.0.0.1:9/mcp', enabled: false } },
    };
    const kitB = { description: 'B', servers: { shared: { uri: 'http://127.0.0.1:9/mcp', enabled: false } } };
    expect((await adminApi('PUT', '/kits/ka', kitA)).status).toBe(200);
    expect((await adminApi('PUT', '/kits/kb', kitB)).status).toBe(200);
    const sid = await openSession();
    expect((await tool(sid, 'hub_load_kit', { name: 'ka' })).structuredContent.ok).toBe(true);
    expect((await tool(sid, 'hub_load_kit', { name: 'kb' })).structuredContent.ok).toBe(true);
    const kits = (await tool(sid, 'hub_list_kits')).structuredContent.kits;
    expect(
      kits
        .filter((k: any) => k.loaded)
        .map((k: any) => k.name)
        .sort(),
    ).toEqual(['ka', 'kb']);
    const info = (await tool(sid, 'hub_kit_info', { name: 'ka' })).structuredContent;
    expect(Object.keys(info.servers).sort()).toEqual(['onlya', 'shared']);
    expect((await tool(sid, 'hub_unload_kit', { name: 'ka' })).structuredContent.ok).toBe(true);
    const servers = await (await adminApi('GET', '/servers')).json<any>();
    const names = servers.servers.map((s: any) => s.name);
    expect(names).toContain('shared');
    expect(names).not.toContain('onlya');
    expect(servers.servers.find((s: any) => s.name === 'shared').kits).toEqual(['kb']);
    // A loaded kit cannot be deleted; after unloading it can.
    expect((await adminApi('DELETE', '/kits/kb')).status).toBe(409);
    await tool(sid, 'hub_unload_kit', { name: 'kb' });
    expect((await adminApi('DELETE', '/kits/kb')).status).toBe(200);
    expect((await adminApi('POST', '/kits/nope/load')).status).toBe(404);
  });

  it('proxy: list with paging and filter, info, call', async () => {
    const sid = await openSession();
    const page = (await tool(sid, 'proxy', { action: 'list', type: 'tool', limit: 2, offset: 0, filter_server: 'hub' })).structuredContent;
    expect(page.items).toHaveLength(2);
    expect(page.total).toBeGreaterThan(2);
    expect(page.items.every((t: any) => t.name.startsWith('hub_'))).toBe(true);
    const info = (await tool(sid, 'proxy', { action: 'info', type: 'tool', path: 'hub_status' })).structuredContent;
    expect(info.name).toBe('hub_status');
    const called = await tool(sid, 'proxy', { action: 'call', type: 'tool', path: 'hub_status', args: {} });
    expect(called.structuredContent.configVersion).toBeGreaterThanOrEqual(1);
    const res = await tool(sid, 'proxy', { action: 'call', type: 'resource', path: 'hub://kits/all' });
    expect(res.structuredContent.contents[0].uri).toBe('hub://kits/all');
    const bad = await tool(sid, 'proxy', { action: 'explode', type: 'tool' });
    expect(bad.isError).toBe(true);
  });
});
