// Profile and mode views over a real Gateway (in-memory providers): what a profile keeps, renames
// and refuses; that meta tools call the gateway's own callTool; that the search index is built once
// per list; and how the view of a request is selected (URL › claim › profile; bound tokens).
import { describe, expect, it } from 'vitest';
import { ProfilesSchema } from '../../src/config/profiles';
import { Gateway, type Mount } from '../../src/gateway/gateway';
import { ProfileView } from '../../src/gateway/profile-view';
import type { Catalog, Json, Provider } from '../../src/gateway/provider';
import { ModeView } from '../../src/gateway/tool-view';
import type { RequestContext } from '../../src/mcp/context';
import { isRpcError } from '../../src/mcp/errors';
import { selectView, viewOf } from '../../src/runtime/views';

const calls: string[] = [];
function provider(name: string, tools: string[]): Provider {
  return {
    name,
    async catalog(): Promise<Catalog> {
      return {
        tools: tools.map((t) => ({ name: t, description: `${t} of ${name}`, inputSchema: { type: 'object' } })),
        resources: [],
        templates: [],
        prompts: [],
      };
    },
    async callTool(_ctx, tool, args): Promise<Json> {
      calls.push(`${name}:${tool}`);
      return { content: [{ type: 'text', text: `${name}:${tool}:${JSON.stringify(args)}` }] };
    },
  };
}
const ctx: RequestContext = {
  lane: 'legacy',
  principal: { sub: 'u', tenant: 't', scopes: ['mcp:read', 'mcp:call'] },
  protocolVersion: '2025-11-25',
  clientCapabilities: {},
  signal: new AbortController().signal,
  notify: () => {},
  request: () => Promise.reject(new Error('none')),
};
const gw = () =>
  new Gateway(
    3,
    new Map<string, Mount>([
      ['git', { provider: provider('git', ['status', 'commit', 'push', 'rm']), prefix: 'git', listTimeoutMs: 1000 }],
      ['web', { provider: provider('web', ['fetch', 'search']), prefix: 'web', listTimeoutMs: 1000 }],
    ]),
    { listFailed: () => {}, listSucceeded: () => {} },
  );
const names = async (b: { listTools(c: RequestContext): Promise<Record<string, unknown>> }) =>
  ((await b.listTools(ctx)).tools as { name: string }[]).map((t) => t.name);
const profile = (p: unknown) => ProfilesSchema.parse({ p }).p;

describe('ProfileView', () => {
  it('keeps servers and globs, hides, renames and re-describes', async () => {
    const v = new ProfileView(
      gw(),
      'p',
      profile({ servers: ['git'], exclude: ['git_p*'], tools: { git_commit: { name: 'save', description: 'Save it' }, git_rm: { hidden: true } } }),
    );
    expect(await names(v)).toEqual(['git_status', 'save']);
    const save = ((await v.listTools(ctx)).tools as Json[]).find((t) => t.name === 'save');
    expect(save?.description).toBe('Save it');
    calls.length = 0;
    await v.callTool(ctx, 'save', { m: 1 });
    expect(calls).toEqual(['git:commit']);
    for (const n of ['git_commit', 'git_rm', 'git_push', 'web_fetch']) {
      const e = await v.callTool(ctx, n, {}).catch((x) => x);
      expect(isRpcError(e) && e.message).toBe(`Unknown tool: ${n}`);
    }
  });

  it('an alias equal to another tool’s name shadows it; include globs select', async () => {
    const v = new ProfileView(gw(), 'p', profile({ include: ['git_*', 'web_search'], tools: { git_commit: { name: 'web_search' } } }));
    expect((await names(v)).sort()).toEqual(['git_push', 'git_rm', 'git_status', 'web_search']);
    calls.length = 0;
    await v.callTool(ctx, 'web_search', {});
    expect(calls).toEqual(['git:commit']);
  });
});

describe('ModeView', () => {
  it('lists only meta tools; call_tool reaches the inner callTool with the same result', async () => {
    const g = gw();
    const v = new ModeView(g, 'search', { own: 'hub_', notes: () => undefined });
    expect(await names(v)).toEqual(['hub_search_tools', 'hub_call_tool']);
    const direct = await g.callTool(ctx, 'web_fetch', { u: 1 });
    const via = await v.callTool(ctx, 'hub_call_tool', { name: 'web_fetch', arguments: { u: 1 } });
    expect(via).toEqual(direct);
    const e = await v.callTool(ctx, 'hub_call_tool', { arguments: {} }).catch((x) => x);
    expect(isRpcError(e) && e.message).toMatch(/name: the tool to call is required/);
  });

  it('builds the index once per list and finds by server', async () => {
    const v = new ModeView(gw(), 'code', { own: 'hub_', notes: (s) => (s === 'web' ? 'the internet' : undefined) });
    const i1 = await v.index(ctx);
    expect(await v.index(ctx)).toBe(i1);
    const r = await v.callTool(ctx, 'hub_search_tools', { query: 'internet search', limit: 2 });
    const tools = (r.structuredContent as { tools: { name: string; server: string; declaration: string }[] }).tools;
    expect(tools[0]).toMatchObject({ name: 'web_search', server: 'web' });
    expect(tools[0].declaration).toMatch(/web_search\(args\?: Record<string, unknown>\): Promise<ToolResult>;$/);
    const off = await v.callTool(ctx, 'hub_code_execute', { code: 'return 1' });
    expect(off.isError).toBe(true);
    expect(JSON.stringify(off)).toMatch(/no Worker Loader binding/);
  });
});

describe('selectView / viewOf', () => {
  const cfg = { servers: {}, profiles: { ro: profile({ servers: ['git'], mode: 'search' }) } };
  const p = (claims: Record<string, string> = {}) => ({ sub: 'u', tenant: 't', scopes: [], ...claims });
  it('URL mode › claim › profile mode › full; bound tokens cannot switch profiles', () => {
    expect(selectView(cfg, {}, p())).toEqual({ profile: undefined, mode: 'full' });
    expect(selectView(cfg, { profile: 'ro' }, p())).toEqual({ profile: 'ro', mode: 'search' });
    expect(selectView(cfg, { profile: 'ro' }, p({ mode: 'code' }))).toEqual({ profile: 'ro', mode: 'code' });
    expect(selectView(cfg, { profile: 'ro', mode: 'full' }, p({ mode: 'code' }))).toEqual({ profile: 'ro', mode: 'full' });
    expect(selectView(cfg, {}, p({ profile: 'ro' }))).toEqual({ profile: 'ro', mode: 'search' });
    expect(() => selectView(cfg, { profile: 'ro' }, p({ profile: 'other' }))).toThrow(/bound to profile 'other'/);
    expect(() => selectView(cfg, { profile: 'nope' }, p())).toThrow(/profile 'nope' does not exist/);
  });
  it('keeps one view per gateway and selection; full without profile is the gateway itself', () => {
    const g = gw();
    expect(viewOf(g, cfg, { mode: 'full' }, undefined)).toBe(g);
    const a = viewOf(g, cfg, { profile: 'ro', mode: 'search' }, undefined);
    expect(viewOf(g, cfg, { profile: 'ro', mode: 'search' }, undefined)).toBe(a);
    expect(viewOf(gw(), cfg, { profile: 'ro', mode: 'search' }, undefined)).not.toBe(a);
  });
});
