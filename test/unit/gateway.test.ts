// The Gateway over in-memory providers: naming, routing, per-tool scopes, failure isolation.
import { describe, expect, it } from 'vitest';
import { Gateway, type Mount } from '../../src/gateway/gateway';
import type { Catalog, Json, Provider } from '../../src/gateway/provider';
import type { RequestContext } from '../../src/mcp/context';
import { isRpcError } from '../../src/mcp/errors';

function provider(name: string, tools: { name: string; ro?: boolean }[], fail = false): Provider {
  return {
    name,
    async catalog(): Promise<Catalog> {
      if (fail) throw new Error('down');
      return {
        tools: tools.map((t) => ({ name: t.name, inputSchema: { type: 'object' }, annotations: t.ro ? { readOnlyHint: true } : {} })),
        resources: [{ uri: `mem://${name}/r`, name: 'r' }],
        templates: [],
        prompts: [],
      };
    },
    async callTool(_ctx, tool): Promise<Json> {
      return { content: [{ type: 'text', text: `${name}:${tool}` }] };
    },
    async readResource(_ctx, uri): Promise<Json> {
      return { contents: [{ uri, text: `read ${uri}` }] };
    },
  };
}

const ctx = (scopes: string[]): RequestContext => ({
  lane: 'legacy',
  principal: { sub: 'u', tenant: 't', scopes },
  protocolVersion: '2025-11-25',
  clientCapabilities: {},
  signal: new AbortController().signal,
  notify: () => {},
  request: () => Promise.reject(new Error('none')),
});

function gateway(extra: [string, Mount][] = []) {
  const failed: string[] = [];
  const mounts = new Map<string, Mount>([
    ['alpha', { provider: provider('alpha', [{ name: 'read', ro: true }, { name: 'write' }]), prefix: 'a', listTimeoutMs: 1000 }],
    ['beta', { provider: provider('beta', [{ name: 'x' }]), prefix: '', listTimeoutMs: 1000 }],
    ...extra,
  ]);
  const gw = new Gateway(7, mounts, { listFailed: (s) => failed.push(s), listSucceeded: () => {} });
  return { gw, failed };
}

describe('Gateway', () => {
  it("edgehub's own mount wins a name clash even when an unprefixed server sorts before it", async () => {
    const { gw } = gateway([
      ['aaa', { provider: provider('aaa', [{ name: 'hub_add_server' }]), prefix: '', listTimeoutMs: 1000 }],
      ['hub', { provider: provider('hub', [{ name: 'add_server' }]), prefix: 'hub', listTimeoutMs: 1000, first: true }],
    ]);
    expect(await gw.callTool(ctx(['mcp:call']), 'hub_add_server', {})).toEqual({ content: [{ type: 'text', text: 'hub:add_server' }] });
  });

  it('merges prefixed and unprefixed names and routes calls back', async () => {
    const { gw } = gateway();
    const { tools } = (await gw.listTools(ctx(['mcp:read']))) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name)).toEqual(['a_read', 'a_write', 'x']);
    expect(await gw.callTool(ctx(['mcp:call']), 'a_write', {})).toEqual({ content: [{ type: 'text', text: 'alpha:write' }] });
    expect(await gw.callTool(ctx(['mcp:call']), 'x', {})).toEqual({ content: [{ type: 'text', text: 'beta:x' }] });
  });

  it('read-only tools need mcp:read, other tools mcp:call', async () => {
    const { gw } = gateway();
    expect(await gw.callTool(ctx(['mcp:read']), 'a_read', {})).toBeTruthy();
    const err = await gw.callTool(ctx(['mcp:read']), 'a_write', {}).catch((e) => e);
    expect(isRpcError(err) && err.httpStatus).toBe(403);
    expect(err.message).toMatch(/mcp:call/);
  });

  it('unknown tools are a protocol error carrying the config version', async () => {
    const { gw } = gateway();
    const err = await gw.callTool(ctx(['mcp:call']), 'nope', {}).catch((e) => e);
    expect(err).toMatchObject({ code: -32602, data: { configVersion: 7 } });
  });

  it('a failing provider is left out of lists and reported; the others still list and call', async () => {
    const { gw, failed } = gateway([['gamma', { provider: provider('gamma', [{ name: 'g' }], true), prefix: 'g', listTimeoutMs: 1000 }]]);
    const { tools } = (await gw.listTools(ctx(['mcp:read']))) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name)).not.toContain('g_g');
    expect(failed).toEqual(['gamma']);
    expect(await gw.callTool(ctx(['mcp:call']), 'a_write', {})).toBeTruthy();
  });

  it('namespaces resource URIs and reads through them', async () => {
    const { gw } = gateway();
    const { resources } = (await gw.listResources(ctx(['mcp:read']))) as { resources: { uri: string }[] };
    expect(resources.map((r) => r.uri)).toEqual(['edgehub://alpha/mem://alpha/r', 'mem://beta/r']);
    const r = (await gw.readResource(ctx(['mcp:read']), 'edgehub://alpha/mem://alpha/r')) as { contents: { uri: string; text: string }[] };
    expect(r.contents[0]).toEqual({ uri: 'edgehub://alpha/mem://alpha/r', text: 'read mem://alpha/r' });
  });
});
