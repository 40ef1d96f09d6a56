// 2026-07-28 cache hints through edgehub (SDK v2 client on the modern lane): two 2026 upstreams
// with their own hints, aggregated lists carry the most conservative of their parts, reads carry
// the owning upstream's; 2025 clients see no hint fields. The upstreams also receive Mcp-Method /
// Mcp-Name (checked through a recording proxy).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startFixture } from '../helpers/procs';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';

const base = () => inject('edgehubUrl');
let slow: Proc;
let fast: Proc;
let proxy: RecordingProxy;

const hints = (o: Record<string, { ttlMs: number; cacheScope: 'public' | 'private' }>) => ['--cache-hints', JSON.stringify(o)];

beforeAll(async () => {
  slow = await startFixture(
    'ch-slow',
    hints({
      'tools/list': { ttlMs: 60_000, cacheScope: 'public' },
      'prompts/list': { ttlMs: 120_000, cacheScope: 'public' },
      'resources/read': { ttlMs: 5_000, cacheScope: 'public' },
    }),
  );
  fast = await startFixture(
    'ch-fast',
    hints({ 'tools/list': { ttlMs: 30_000, cacheScope: 'public' }, 'prompts/list': { ttlMs: 90_000, cacheScope: 'public' } }),
  );
  proxy = await startRecordingProxy(slow.url);
  await mount(base(), 'chs', { uri: `${proxy.url}/mcp`, prefix: 'chs' });
  await mount(base(), 'chf', { uri: `${fast.url}/mcp`, prefix: 'chf' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/chs');
  await admin(base(), 'DELETE', '/servers/chf');
  await proxy?.close();
  await Promise.all([slow?.stop(), fast?.stop()]);
});

async function v2client() {
  const v2 = await import('@modelcontextprotocol/client');
  const client = new v2.Client({ name: 'cache-e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new v2.StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  return client;
}

describe('2026 cache hints through edgehub', () => {
  it('the upstreams really send their hints (direct)', async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const client = new v2.Client({ name: 'cache-direct', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new v2.StreamableHTTPClientTransport(new URL(`${fast.url}/mcp`)));
    const list = (await client.listTools()) as Record<string, unknown>;
    expect(list).toMatchObject({ ttlMs: 30_000, cacheScope: 'public' });
    await client.close();
  });

  it('an aggregated list carries the smallest ttl, and public only when every contributor is public', async () => {
    const client = await v2client();
    const tools = (await client.listTools()) as Record<string, any>;
    expect(tools.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['chs_test_simple_text', 'chf_test_simple_text', 'hub_status']));
    // 30 s from chf (the stricter of 60 s and 30 s); edgehub's own hub tools are per tenant: private.
    expect(tools).toMatchObject({ ttlMs: 30_000, cacheScope: 'private' });
    // Prompts come only from the two public upstreams.
    const prompts = (await client.listPrompts()) as Record<string, unknown>;
    expect(prompts).toMatchObject({ ttlMs: 90_000, cacheScope: 'public' });
    await client.close();
  });

  it("a read carries the owning upstream's hint; edgehub's own resources keep 0 / private", async () => {
    const client = await v2client();
    const read = (await client.readResource({ uri: 'edgehub://chs/test://static-text' })) as Record<string, any>;
    expect(read.contents[0].uri).toBe('edgehub://chs/test://static-text');
    expect(read).toMatchObject({ ttlMs: 5_000, cacheScope: 'public' });
    const own = (await client.readResource({ uri: 'hub://servers/all' })) as Record<string, unknown>;
    expect(own).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
    await client.close();
  });

  it('sends Mcp-Method and Mcp-Name to the 2026 upstream (base64 for a non-ASCII value)', async () => {
    const client = await v2client();
    await client.callTool({ name: 'chs_test_simple_text', arguments: {} });
    const call = proxy.seen.filter((s) => s.body?.method === 'tools/call').at(-1)!;
    expect(call.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_simple_text' });
    await client.readResource({ uri: 'edgehub://chs/test://static-text' });
    const read = proxy.seen.filter((s) => s.body?.method === 'resources/read').at(-1)!;
    expect(read.headers).toMatchObject({ 'mcp-method': 'resources/read', 'mcp-name': 'test://static-text' });
    // A URI the upstream does not have, with non-ASCII characters: encoded, and answered (not refused as a mismatch).
    await expect(client.readResource({ uri: 'edgehub://chs/test://ünïcode' })).rejects.toThrow(/not found/i);
    const odd = proxy.seen.filter((s) => s.body?.method === 'resources/read').at(-1)!;
    expect(odd.headers['mcp-name']).toBe(`=?base64?${Buffer.from('test://ünïcode').toString('base64')}?=`);
    await client.close();
  });

  it('2025 clients get no cache fields', async () => {
    const client = new Client({ name: 'cache-2025', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    const tools = (await client.listTools()) as Record<string, unknown>;
    expect(tools.ttlMs).toBeUndefined();
    expect(tools.cacheScope).toBeUndefined();
    await client.close();
  });
});
