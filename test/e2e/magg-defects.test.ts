// Each defect Magg's troubleshooting page admits (Magg's troubleshooting page) is
// impossible in edgehub; this file shows the ones no other test shows directly, on its own
// `wrangler dev` so its log can be read. Shown elsewhere:
//   1. reload race            → race.test.ts (2,000 calls during 100 changes, 0 inconsistent)
//   2. no connection pooling  → upstreams.test.ts (connection reuse: 0 extra initializes)
//   3. notification state     → integration/session-lifecycle.test.ts (10,000 events stay ≤ cap)
//   8. unwired breakers/sessions → resilience.test.ts (breaker), session-lifecycle (idle expiry)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startFault, startFixture } from '../helpers/procs';
import { type DevServer, startDev } from '../helpers/wrangler';

let dev: DevServer;
let fault: Awaited<ReturnType<typeof startFault>>;
let fixture: Proc;
const H = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
let seq = 1;

async function rpc(sid: string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}) {
  const r = await fetch(`${dev.url}/mcp`, {
    method: 'POST',
    headers: { ...H, 'mcp-session-id': sid, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: seq++, method, params }),
  });
  const text = await r.text();
  const data = (r.headers.get('content-type') ?? '').includes('event-stream')
    ? (
        text
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .pop() ?? ''
      ).slice(5)
    : text;
  return JSON.parse(data);
}

async function session(): Promise<string> {
  const r = await fetch(`${dev.url}/mcp`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: seq++,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'magg-defects', version: '1' } },
    }),
  });
  await r.text();
  const sid = r.headers.get('mcp-session-id');
  if (!sid) throw new Error(`no session: ${r.status}`);
  return sid;
}

const toolNames = async (sid: string) => ((await rpc(sid, 'tools/list', {})).result.tools as { name: string }[]).map((t) => t.name);

beforeAll(async () => {
  [dev, fault, fixture] = await Promise.all([
    startDev({ vars: { HEALTH_INTERVAL_SECONDS: '3600', EDGEHUB_REAL_SECRET: 'configured-secret' } }),
    startFault(),
    startFixture('plain'),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([dev?.stop(), fault?.stop(), fixture?.stop()]);
});

describe('Magg defects that cannot happen in edgehub', () => {
  it('4. exceptions are never swallowed: a failing upstream call is returned to the caller and logged exactly once', async () => {
    await mount(dev.url, 'boom', { uri: `${fault.url}/mcp`, prefix: 'boom', transport: { call_timeout_ms: 2000, breaker_failures: 100 } });
    const sid = await session();
    expect(await toolNames(sid)).toContain('boom_ping'); // connected and listed while healthy
    const requestId = `magg4-${Date.now()}`;
    await fault.mode('500');
    let reply: any;
    try {
      reply = await rpc(sid, 'tools/call', { name: 'boom_ping', arguments: {} }, { 'x-request-id': requestId });
    } finally {
      await fault.mode('ok');
    }
    expect(reply.result.isError).toBe(true);
    expect(reply.result.content[0].text).toMatch(/^boom: upstream boom failed \(HTTP 500\): /);
    await new Promise((r) => setTimeout(r, 500)); // let wrangler print the line
    const lines = dev
      .output()
      .split('\n')
      .filter((l) => l.includes(requestId));
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0].slice(lines[0].indexOf('{'), lines[0].lastIndexOf('}') + 1));
    expect(logged).toMatchObject({ level: 'warn', msg: 'tool call failed', requestId, upstream: 'boom', tool: 'ping', method: 'tools/call' });
    expect(logged.error.message).toMatch(/500/);
  });

  it('5. no signal races: concurrent changes and reloads all land, each as its own version, none lost', async () => {
    const sid = await session();
    const version = async () => Number((await admin(dev.url, 'GET', '/config')).headers.get('x-config-version'));
    const before = await version();
    const names = Array.from({ length: 8 }, (_, i) => `sig${i}`);
    const replies = await Promise.all([
      ...names.map((n) => admin(dev.url, 'PUT', `/servers/${n}`, { uri: 'http://127.0.0.1:9/mcp', prefix: n, enabled: false })),
      ...Array.from({ length: 4 }, () => rpc(sid, 'tools/call', { name: 'hub_reload_config', arguments: {} })),
    ]);
    const puts = replies.slice(0, names.length) as Awaited<ReturnType<typeof admin>>[];
    expect(puts.map((r) => r.status)).toEqual(names.map(() => 200));
    const versions = puts.map((r) => r.json.version as number).sort((a, b) => a - b);
    expect(versions).toEqual(names.map((_, i) => before + 1 + i)); // one version each, no gaps, no repeats
    for (const r of replies.slice(names.length) as { result: { isError?: boolean } }[]) expect(r.result.isError).toBeFalsy();
    expect(await version()).toBe(before + names.length);
    const cfg = (await admin(dev.url, 'GET', '/config')).json;
    for (const n of names) expect(cfg.servers[n]).toMatchObject({ prefix: n, enabled: false });
    for (const n of names) await admin(dev.url, 'DELETE', `/servers/${n}`);
  });

  it('6. unmounting is a config change, not surgery: an in-flight call finishes, then the tools are gone', async () => {
    await mount(dev.url, 'slowpoke', { uri: `${fault.url}/mcp`, prefix: 'slowpoke', transport: { call_timeout_ms: 10_000, breaker_failures: 100 } });
    const sid = await session();
    expect(await toolNames(sid)).toContain('slowpoke_ping');
    await fault.mode('slow', 1500);
    const inflight = rpc(sid, 'tools/call', { name: 'slowpoke_ping', arguments: {} });
    await new Promise((r) => setTimeout(r, 300));
    const removed = await admin(dev.url, 'DELETE', '/servers/slowpoke');
    expect(removed.status).toBe(200);
    const done = await inflight;
    await fault.mode('ok');
    expect(done.result.isError).toBeFalsy();
    expect(done.result.content[0].text).toBe('pong');
    expect(await toolNames(sid)).not.toContain('slowpoke_ping');
    const after = await rpc(sid, 'tools/call', { name: 'slowpoke_ping', arguments: {} });
    expect(after.error.code).toBe(-32602);
    expect(after.error.data.configVersion).toBe(removed.json.version);
  });

  it("7. loading config never touches the environment: a server's env block is not a secret source", async () => {
    // Magg exports each server's env into its own process environment while loading config.
    const stdio = await admin(dev.url, 'PUT', '/servers/leaky?check=false', {
      command: 'node',
      args: ['server.js'],
      env: { EDGEHUB_LEAK_TEST: 'leaked' },
      enabled: false,
    });
    expect(stdio.status, stdio.text).toBe(200);
    const user = await admin(dev.url, 'PUT', '/servers/user', {
      uri: `${fixture.url}/mcp`,
      prefix: 'user',
      transport: { headers: { 'x-key': '${EDGEHUB_LEAK_TEST}' } },
    });
    expect(user.status, user.text).toBe(422);
    expect(user.text).toMatch(/secret EDGEHUB_LEAK_TEST .*is not set/);
    expect(user.text).not.toContain('leaked');
    // A real Worker secret (binding) does resolve, and is never echoed back.
    const real = await admin(dev.url, 'PUT', '/servers/user', {
      uri: `${fixture.url}/mcp`,
      prefix: 'user',
      transport: { headers: { 'x-key': '${EDGEHUB_REAL_SECRET}' } },
    });
    expect(real.status).toBe(200);
    expect(real.text).not.toContain('configured-secret');
    for (const n of ['leaky', 'user']) await admin(dev.url, 'DELETE', `/servers/${n}`);
  });
});
