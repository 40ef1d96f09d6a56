// Profiles managed through the hub's own tools (inside workerd): each change is a new config
// version, a bad profile is refused naming its field, and the profile's URL serves the new view.
import { describe, expect, it } from 'vitest';
import { call, INIT, JSON_HEADERS, openSession, readResponse, request } from '../helpers/rpc';

async function tool(sid: string, name: string, args: Record<string, unknown> = {}) {
  const r = await request(sid, 'tools/call', { name, arguments: args });
  if (r.error) throw new Error(`${name}: ${r.error.message}`);
  return r.result;
}

async function listAt(path: string): Promise<string[]> {
  const init = await call(path, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) });
  const sid = init.headers.get('mcp-session-id') as string;
  await init.text();
  const r = await call(path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'mcp-session-id': sid },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  return ((await readResponse(r)).result.tools as { name: string }[]).map((t) => t.name);
}

describe('hub profile tools', () => {
  it('set, list, refuse a bad one, serve it at /mcp/p/NAME, remove', async () => {
    const sid = await openSession();
    const set = await tool(sid, 'hub_set_profile', {
      name: 'lean',
      profile: { servers: ['git'], include: ['git_status', 'git_log'], tools: { git_log: { name: 'history' } } },
    });
    expect(set.structuredContent.ok).toBe(true);
    const v1 = set.structuredContent.version;
    const listed = await tool(sid, 'hub_list_profiles');
    expect(listed.structuredContent.profiles).toEqual([
      { name: 'lean', servers: ['git'], include: ['git_status', 'git_log'], tools: { git_log: { name: 'history' } } },
    ]);
    expect((await listAt('/mcp/p/lean')).sort()).toEqual(['git_status', 'history']);

    const bad = await tool(sid, 'hub_set_profile', { name: 'lean', profile: { include: ['git status!'] } });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/profiles\.lean\.include\.0: globs are letters/);

    const removed = await tool(sid, 'hub_remove_profile', { name: 'lean' });
    expect(removed.structuredContent.version).toBe(v1 + 1);
    const gone = await tool(sid, 'hub_remove_profile', { name: 'lean' });
    expect(gone.isError).toBe(true);
    expect(gone.content[0].text).toMatch(/profile 'lean' does not exist/);
  });
});
