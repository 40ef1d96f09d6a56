// server-everything (npm) mounted as `ev`, driven through edgehub by the official SDK client and
// compared with the same calls made directly to the upstream.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema, LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startEverything } from '../helpers/procs';
import { relayClient } from '../helpers/relay-client';

let ev: Proc;
const base = () => inject('edgehubUrl');

const newClient = () => relayClient('e2e-agg');

async function connect(url: string) {
  const client = newClient();
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

beforeAll(async () => {
  ev = await startEverything();
  // server-everything adds `get-roots-list` only for clients that declare roots: a tool new to an
  // approved server, which the default `trust: "pinned"` would quarantine (README "Trust but verify").
  await mount(base(), 'ev', { uri: `${ev.url}/mcp`, prefix: 'ev', trust: 'auto' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/ev');
  await ev?.stop();
});

describe('server-everything through edgehub', () => {
  it('lists ev_* tools and results match a direct call', async () => {
    const [gw, direct] = await Promise.all([connect(`${base()}/mcp`), connect(`${ev.url}/mcp`)]);
    const { tools } = await gw.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['ev_echo', 'ev_get-sum', 'ev_get-tiny-image', 'ev_get-structured-content', 'ev_trigger-sampling-request', 'hub_status'])
      expect(names).toContain(n);
    expect(names.every((n) => /^[a-zA-Z0-9_-]{1,64}$/.test(n))).toBe(true);

    const cases: [string, Record<string, unknown>][] = [
      ['echo', { message: 'hello edge' }],
      ['get-sum', { a: 2, b: 40 }],
      ['get-tiny-image', {}],
      ['get-structured-content', { location: 'New York' }],
    ];
    for (const [tool, args] of cases) {
      const viaGw = await gw.callTool({ name: `ev_${tool}`, arguments: args });
      const viaDirect = await direct.callTool({ name: tool, arguments: args });
      const strip = (r: any) => ({ ...r, _meta: undefined });
      expect(strip(viaGw), tool).toEqual(strip(viaDirect));
    }
    await Promise.all([gw.close(), direct.close()]);
  });

  it('relays long-running progress in order', async () => {
    const gw = await connect(`${base()}/mcp`);
    const seen: number[] = [];
    const res = await gw.callTool({ name: 'ev_trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(res.isError).toBeFalsy();
    expect(seen).toEqual([1, 2, 3, 4]);
    await gw.close();
  });

  it('relays sampling and elicitation to the client that made the call', async () => {
    const gw = await connect(`${base()}/mcp`);
    const sampled = await gw.callTool({ name: 'ev_trigger-sampling-request', arguments: { prompt: 'ping through the edge' } });
    expect(JSON.stringify(sampled.content)).toContain('ping through the edge');
    expect(JSON.stringify(sampled.content)).toContain('sampled:');
    const elicited = await gw.callTool({ name: 'ev_trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(elicited.content)).toContain('Ada');
    await gw.close();
  });

  it('reads resources (namespaced URIs), subscribes, and gets prompts with arguments', async () => {
    const gw = await connect(`${base()}/mcp`);
    const { resources } = await gw.listResources();
    const evRes = resources.filter((r) => r.uri.startsWith('edgehub://ev/'));
    expect(evRes.length).toBeGreaterThan(0);
    const read = await gw.readResource({ uri: evRes[0].uri });
    expect(read.contents[0].uri).toBe(evRes[0].uri);
    const { resourceTemplates } = await gw.listResourceTemplates();
    expect(resourceTemplates.some((t) => t.uriTemplate.startsWith('edgehub://ev/'))).toBe(true);
    expect(await gw.subscribeResource({ uri: evRes[0].uri })).toEqual({});

    const { prompts } = await gw.listPrompts();
    const withArgs = prompts.find((p) => p.name.startsWith('ev_') && (p.arguments?.length ?? 0) > 0)!;
    expect(withArgs).toBeDefined();
    const args = Object.fromEntries((withArgs.arguments ?? []).map((a) => [a.name, a.name === 'city' ? 'Paris' : 'x']));
    const got = await gw.getPrompt({ name: withArgs.name, arguments: args });
    expect(got.messages.length).toBeGreaterThan(0);
    await gw.close();
  });

  it('forwards upstream log messages to the client', async () => {
    const gw = await connect(`${base()}/mcp`);
    const logs: unknown[] = [];
    gw.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    gw.setNotificationHandler(ResourceUpdatedNotificationSchema, () => {});
    await gw.setLoggingLevel('debug');
    await gw.callTool({ name: 'ev_toggle-simulated-logging', arguments: {} });
    const deadline = Date.now() + 8000;
    while (logs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs[0])).toContain('ev');
    await gw.close();
  });

  it('relays resources/updated for a subscribed resource under its exposed URI', async () => {
    const gw = await connect(`${base()}/mcp`);
    const updated: string[] = [];
    gw.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    const { resources } = await gw.listResources();
    const target = resources.find((r) => r.uri.startsWith('edgehub://ev/'))!;
    await gw.subscribeResource({ uri: target.uri });
    await gw.callTool({ name: 'ev_toggle-subscriber-updates', arguments: {} });
    const deadline = Date.now() + 8000;
    while (!updated.includes(target.uri) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(updated).toContain(target.uri);
    await gw.callTool({ name: 'ev_toggle-subscriber-updates', arguments: {} });
    await gw.close();
  });

  it('relays roots/list to the client and completions from the upstream', async () => {
    const client = new Client({ name: 'e2e-roots', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///workspace/edge', name: 'edge-root' }] }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    const roots = await client.callTool({ name: 'ev_get-roots-list', arguments: {} });
    expect(JSON.stringify(roots.content)).toContain('file:///workspace/edge');
    const done = await client.complete({ ref: { type: 'ref/prompt', name: 'ev_completable-prompt' }, argument: { name: 'department', value: 'En' } });
    expect(done.completion.values).toEqual(['Engineering']);
    await client.close();
  });
});
