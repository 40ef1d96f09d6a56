// Attack: using the new tool modes to get around scopes and profiles (jwt mode, tenants acme and
// globex). hub_call_tool and code-mode calls must fail exactly as direct calls do for a principal
// without the scope; a token bound to a profile (`profile` claim) stays inside that profile on
// every path (URL, meta tools, code, the session it opened); code mode's time limit holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, startJwtDev } from '../helpers/jwt-dev';
import { type Lane, legacyLane, modernLane } from '../helpers/lanes';
import { bearer } from '../helpers/tokens';

let h: JwtDev;
const LANES: [string, (url: string, headers: Record<string, string>) => Promise<Lane>][] = [
  ['legacy', (u, hd) => legacyLane(u, hd)],
  ['modern', async (u, hd) => modernLane(u, hd)],
];
const TIMEOUT_MS = 1500;

beforeAll(async () => {
  h = await startJwtDev({ vars: { CODE_MODE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  const put = await h.fetch('/admin/api/profiles/ro', {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...h.auth('acme', 'admin') },
    body: JSON.stringify({ servers: ['git', 'hub'], include: ['git_status', 'git_log', 'proxy', 'hub_status'] }),
  });
  expect(put.status).toBe(200);
}, 180_000);
afterAll(() => h?.stop());

const token = (extra: Record<string, unknown>, scope = 'mcp:read mcp:call') => h.token({ sub: 'bound@acme', tenant: 'acme', scope, extra });

describe.each(LANES)('scopes hold through the meta tools (%s lane)', (_n, open) => {
  it('a reader calling a write tool: hub_call_tool fails byte for byte like the direct call', async () => {
    const lane = await open(`${h.base}/mcp?mode=search`, h.auth('acme', 'reader'));
    const args = { repo_path: 'x', message: 'm' };
    const direct = await lane.send('tools/call', { name: 'git_commit', arguments: args }, 3);
    const via = await lane.send('tools/call', { name: 'hub_call_tool', arguments: { name: 'git_commit', arguments: args } }, 3);
    expect(direct.json.error.message).toMatch(/insufficient_scope: calling git_commit needs the 'mcp:call' scope/);
    expect(via.text).toBe(direct.text);
    expect(via.status).toBe(direct.status);
    // A caller (mcp:call, no admin) and a mutating hub tool: the same isError result either way.
    const callerLane = await open(`${h.base}/mcp?mode=search`, h.auth('acme', 'caller'));
    const d2 = await callerLane.send('tools/call', { name: 'hub_add_server', arguments: { name: 'evil', uri: 'https://example.com/mcp' } }, 4);
    const v2 = await callerLane.send(
      'tools/call',
      { name: 'hub_call_tool', arguments: { name: 'hub_add_server', arguments: { name: 'evil', uri: 'https://example.com/mcp' } } },
      4,
    );
    expect(d2.json.result.isError).toBe(true);
    expect(d2.json.result.content[0].text).toMatch(/needs the 'admin' scope/);
    expect(v2.text).toBe(d2.text);
  });

  it('a reader in code mode gets the same refusal inside the code', async () => {
    const lane = await open(`${h.base}/mcp?mode=code`, h.auth('acme', 'reader'));
    const r = await lane.send('tools/call', {
      name: 'hub_code_execute',
      arguments: { code: `return await tools.git_commit({ repo_path: 'x', message: 'm' });` },
    });
    expect(r.json.result.isError).toBe(true);
    expect(r.json.result.structuredContent.error).toBe("Error: insufficient_scope: calling git_commit needs the 'mcp:call' scope");
  });

  it('code mode: the time limit holds and names itself', async () => {
    const lane = await open(`${h.base}/mcp?mode=code`, h.auth('acme', 'caller'));
    const t0 = Date.now();
    const r = await lane.send('tools/call', { name: 'hub_code_execute', arguments: { code: `await new Promise((r) => setTimeout(r, 60000)); return 1;` } });
    expect(r.json.result.isError).toBe(true);
    expect(r.json.result.structuredContent.error).toBe(`time limit reached: the code ran longer than ${TIMEOUT_MS} ms`);
    expect(Date.now() - t0).toBeLessThan(30_000); // bounded well below the 60 s the code asked for
  });

  it('code mode: a tool call made after the time limit is refused (the stub closes)', async () => {
    const lane = await open(`${h.base}/mcp?mode=code`, h.auth('acme', 'caller'));
    const repo = `late-${lane.name}`;
    const init = await lane.send('tools/call', { name: 'git_init', arguments: { repo_path: repo } });
    expect(init.json.result.isError).toBeUndefined();
    const code = `await new Promise((r) => setTimeout(r, ${TIMEOUT_MS + 700}));
      await tools.git_write_file({ repo_path: '${repo}', path: 'late.txt', content: 'written after the limit' });
      return 'done';`;
    const r = await lane.send('tools/call', { name: 'hub_code_execute', arguments: { code } });
    expect(r.json.result.structuredContent.error).toMatch(/time limit reached/);
    await new Promise((res) => setTimeout(res, 1500)); // past the moment the code tries to write
    const files = await lane.send('tools/call', { name: 'git_list_files', arguments: { repo_path: repo } });
    expect(JSON.stringify(files.json.result)).not.toContain('late.txt');
  });
});

describe.each(LANES)('a token bound to a profile stays in it (%s lane)', (_n, open) => {
  it('sees only the profile on /mcp; another profile by URL is 403; hidden tools are unknown on every path', async () => {
    const t = bearer(await token({ profile: 'ro' }));
    const lane = await open(`${h.base}/mcp`, t);
    const names = ((await lane.send('tools/list', {})).json.result.tools as { name: string }[]).map((x) => x.name);
    // `proxy` is included by the profile's globs but never served in a profile: it would reach every tool.
    expect(names.sort()).toEqual(['git_log', 'git_status', 'hub_status']);
    const direct = await lane.send('tools/call', { name: 'git_commit', arguments: { repo_path: 'x', message: 'm' } });
    expect(direct.json.error.message).toBe('Unknown tool: git_commit');
    const proxy = await lane.send('tools/call', { name: 'proxy', arguments: { action: 'call', type: 'tool', path: 'git_commit', args: {} } });
    expect(proxy.json.error.message).toBe('Unknown tool: proxy');
    const search = await open(`${h.base}/mcp?mode=search`, t);
    const via = await search.send('tools/call', { name: 'hub_call_tool', arguments: { name: 'git_commit', arguments: { repo_path: 'x', message: 'm' } } });
    expect(via.json.error.message).toBe('Unknown tool: git_commit');
    const found = await search.send('tools/call', { name: 'hub_search_tools', arguments: { query: 'commit staged changes' } });
    expect(found.json.result.structuredContent.tools.map((x: { name: string }) => x.name)).not.toContain('git_commit');
    const code = await open(`${h.base}/mcp?mode=code`, t);
    const c = await code.send('tools/call', {
      name: 'hub_code_execute',
      arguments: { code: `return await tools.call('git_commit', { repo_path: 'x', message: 'm' });` },
    });
    expect(c.json.result.structuredContent.error).toBe('Error: Unknown tool: git_commit');
    const other = await fetch(`${h.base}/mcp/p/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...t },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    // Refused at the door on both lanes (initialize included).
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toMatch(/this token is bound to profile 'ro'/);
    const r = await modernLane(`${h.base}/mcp/p/other`, t).send('tools/list', {});
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/this token is bound to profile 'ro'/);
  });
});

describe('profile and mode claims', () => {
  it("a session opened with a profile-bound token is not the same principal's unbound token's (404)", async () => {
    const bound = bearer(await token({ profile: 'ro' }));
    const lane = await legacyLane(`${h.base}/mcp`, bound);
    expect((await lane.send('tools/list', {})).status).toBe(200);
    // Same sub and tenant, no profile claim: must not ride the bound session (or vice versa).
    const sid = await (async () => {
      const r = await fetch(`${h.base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bound },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
        }),
      });
      await r.text();
      return r.headers.get('mcp-session-id');
    })();
    const unbound = bearer(await token({}));
    const r = await fetch(`${h.base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': String(sid), ...unbound },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
  });

  it('a mode claim sets the default mode; ?mode= overrides it; a bad claim is refused', async () => {
    const t = bearer(await token({ mode: 'search' }));
    const lane = modernLane(`${h.base}/mcp`, t);
    expect(((await lane.send('tools/list', {})).json.result.tools as { name: string }[]).map((x) => x.name)).toEqual(['hub_search_tools', 'hub_call_tool']);
    const full = modernLane(`${h.base}/mcp?mode=full`, t);
    expect(((await full.send('tools/list', {})).json.result.tools as unknown[]).length).toBeGreaterThan(10);
    const bad = bearer(await token({ mode: 'turbo' }));
    const r = await modernLane(`${h.base}/mcp`, bad).send('tools/list', {});
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/mode claim must be one of full, search, code/);
    // The legacy lane refuses it at initialize: no session is opened for a view that cannot be served.
    const init = await fetch(`${h.base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bad },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(init.status).toBe(400);
    expect(init.headers.get('mcp-session-id')).toBeNull();
  });

  it("another tenant's token cannot use acme's profile (it does not exist there)", async () => {
    const r = await modernLane(`${h.base}/mcp/p/ro`, h.auth('globex', 'admin')).send('tools/list', {});
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/profile 'ro' does not exist/);
  });
});
