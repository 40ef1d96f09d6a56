// Upstream behaviour: failure isolation, connection reuse, legacy SSE upstreams, stdio refusal,
// collisions refused at mount time.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startEverything, startFixture } from '../helpers/procs';

const base = () => inject('edgehubUrl');
const procs: Proc[] = [];
const mounted: string[] = [];

async function client() {
  const c = new Client({ name: 'up', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  return c;
}
const text = (r: any) => (r.content as { text: string }[])[0]?.text;
const stats = async (p: Proc) => (await (await fetch(`${p.url}/stats`)).json()) as { initializes: number; requests: number };

afterAll(async () => {
  for (const n of mounted) await admin(base(), 'DELETE', `/servers/${n}`);
  await Promise.all(procs.map((p) => p.stop()));
});

describe('failure isolation', () => {
  let one: Proc;
  let two: Proc;
  beforeAll(async () => {
    [one, two] = await Promise.all([startFixture('one'), startFixture('two')]);
    procs.push(one, two);
    await mount(base(), 'one', { uri: `${one.url}/mcp`, prefix: 'one', transport: { call_timeout_ms: 3000, list_timeout_ms: 3000, connect_timeout_ms: 3000 } });
    await mount(base(), 'two', { uri: `${two.url}/mcp`, prefix: 'two', transport: { call_timeout_ms: 3000, list_timeout_ms: 3000, connect_timeout_ms: 3000 } });
    mounted.push('one', 'two');
  });

  it('one upstream killed mid-test: the other keeps working and hub_status shows the dead one failing', async () => {
    const c = await client();
    expect(text(await c.callTool({ name: 'one_whoami', arguments: {} }))).toBe('one');
    expect(text(await c.callTool({ name: 'two_whoami', arguments: {} }))).toBe('two');
    await one.stop();
    const dead = await c.callTool({ name: 'one_whoami', arguments: {} });
    expect(dead.isError).toBe(true);
    expect(text(dead)).toMatch(/one/);
    for (let i = 0; i < 5; i++) expect(text(await c.callTool({ name: 'two_whoami', arguments: {} }))).toBe('two');
    // A fresh session lists without the dead server's tools, quickly, and still sees the live one.
    const fresh = await client();
    const t0 = Date.now();
    const { tools } = await fresh.listTools();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(tools.map((t) => t.name)).toContain('two_whoami');
    expect(tools.map((t) => t.name)).not.toContain('one_whoami');
    const status = (await fresh.callTool({ name: 'hub_status', arguments: {} })).structuredContent as any;
    const s1 = status.servers.find((s: any) => s.name === 'one');
    const s2 = status.servers.find((s: any) => s.name === 'two');
    expect(s1.state).toBe('failing');
    expect(s1.error).toBeTruthy();
    expect(s2.state).toBe('ok');
    await Promise.all([c.close(), fresh.close()]);
  });
});

describe('connection reuse', () => {
  it('repeated calls and lists in a session reuse one upstream connection', async () => {
    const fx = await startFixture('reuse');
    procs.push(fx);
    await mount(base(), 'reuse', { uri: `${fx.url}/mcp`, prefix: 'reuse' });
    mounted.push('reuse');
    const c = await client();
    await c.callTool({ name: 'reuse_whoami', arguments: {} });
    const before = await stats(fx);
    for (let i = 0; i < 20; i++) await c.callTool({ name: 'reuse_whoami', arguments: {} });
    await c.listTools();
    await c.callTool({ name: 'reuse_test_simple_text', arguments: {} });
    const after = await stats(fx);
    expect(after.initializes).toBe(before.initializes);
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(21);
    await c.close();
  });
});

describe('transports and refusals', () => {
  it('mounts a legacy SSE upstream (uri ending in /sse) and calls it', async () => {
    const ev = await startEverything('sse');
    procs.push(ev);
    await mount(base(), 'evsse', { uri: `${ev.url}/sse`, prefix: 'evsse' });
    mounted.push('evsse');
    const c = await client();
    const r = await c.callTool({ name: 'evsse_echo', arguments: { message: 'over sse' } });
    expect(text(r)).toContain('over sse');
    await c.close();
  });

  it('accepts an enabled stdio server for its connector, waiting while none serves it', async () => {
    const r = await admin(base(), 'PUT', '/servers/local', { command: 'npx', args: ['-y', 'some-mcp-server'] });
    expect(r.status).toBe(200);
    expect(r.json.changes.viaConnector).toContain('local');
    await admin(base(), 'DELETE', '/servers/local');
  });

  it('refuses a prefix collision and an exposed-name collision at mount time', async () => {
    const fx = await startFixture('clash');
    procs.push(fx);
    const same = await admin(base(), 'PUT', '/servers/clash', { uri: `${fx.url}/mcp`, prefix: 'two' });
    expect(same.status).toBe(409);
    expect(same.json.message).toMatch(/prefix 'two' is already used by server 'two'/);
    // Unprefixed: its `whoami` would not collide, but `two_whoami`-style names could; both
    // fixtures expose `test_simple_text`, so an empty prefix next to prefix 'two' is fine, while a
    // second unprefixed server exposing the same names is refused.
    const empty1 = await admin(base(), 'PUT', '/servers/clash', { uri: `${fx.url}/mcp`, prefix: '' });
    expect(empty1.status).toBe(200);
    mounted.push('clash');
    const empty2 = await admin(base(), 'PUT', '/servers/clash2', { uri: `${fx.url}/mcp`, prefix: '' });
    expect(empty2.status).toBe(409);
    expect(empty2.json.message).toMatch(/empty prefix/);
    await admin(base(), 'DELETE', '/servers/clash');
  });
});
