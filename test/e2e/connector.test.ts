// `edgehub connect` end to end: the real CLI as a connector of the shared dev-open instance runs
// server-everything over stdio; the official SDK client through edgehub gets what it gets from the
// same server over stdio directly (tools, a call, resources, prompts, progress, sampling,
// elicitation); the SDK v2 client (2026-07-28, stateless) gets the legacy lane's answers. kill -9
// of the connector → tools gone with a clear error within 10 s; a restart brings them back; a child
// that exits at once shows `crash-looping` in hub_status.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { pollUntil } from '../helpers/poll.mjs';
import { relayClient } from '../helpers/relay-client';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
const CLI = join(ROOT, 'src', 'cli', 'edgehub.mjs');
const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const NAME = 'e2e-conn';
const work = mkdtempSync(join(tmpdir(), 'edgehub-conn-'));
const pkgBin = (pkg: string) => join(ROOT, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js');
let connector: { proc: ChildProcess; output: () => string } | null = null;

function startConnector() {
  const proc = spawn(process.execPath, [CLI, 'connect', '--name', NAME], {
    cwd: ROOT,
    // The memory server's file comes from this machine's environment (`${NAME}` in the entry's env).
    env: { ...process.env, EDGEHUB_URL: base(), NO_COLOR: '1', E2E_MEMORY_FILE: join(work, 'memory.jsonl') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  connector = { proc, output: () => out };
  return connector;
}

async function stopConnector(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
  const c = connector;
  connector = null;
  if (!c || c.proc.exitCode !== null) return;
  await new Promise<void>((res) => {
    c.proc.once('exit', () => res());
    c.proc.kill(signal);
  });
}

const until = <T>(what: string, f: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> =>
  pollUntil(what, f, { ms, context: () => `connector output:\n${connector?.output().slice(-2000) ?? ''}` });

async function viaEdge() {
  const c = relayClient('e2e-conn');
  await c.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  return c;
}

async function direct() {
  const c = relayClient('e2e-direct');
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));
  return c;
}

const hubStatus = async (c: Client) => JSON.parse(((await c.callTool({ name: 'hub_status', arguments: {} })).content as any)[0].text);

beforeAll(async () => {
  // Enabling a stdio entry while its connector is away is allowed ("waiting for connector").
  await mount(base(), 'evs', { command: process.execPath, args: [EVERYTHING, 'stdio'], prefix: 'evs', transport: { connector: NAME } });
  startConnector();
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/evs');
  await admin(base(), 'DELETE', '/servers/crashy');
  await admin(base(), 'DELETE', '/servers/fs');
  await admin(base(), 'DELETE', '/servers/mem');
  await stopConnector();
});

describe('server-everything over stdio through a connector', () => {
  it('answers as the same server over stdio directly', async () => {
    const gw = await viaEdge();
    const tools = await until('evs tools', async () => {
      const t = (await gw.listTools()).tools.filter((x) => x.name.startsWith('evs_'));
      return t.length > 0 && t;
    });
    const d = await direct();
    const directTools = (await d.listTools()).tools;
    expect(tools.map((t) => t.name.slice(4)).sort()).toEqual(directTools.map((t) => t.name).sort());
    for (const [tool, args] of [
      ['echo', { message: 'hello connector' }],
      ['get-sum', { a: 2, b: 40 }],
      ['get-tiny-image', {}],
    ] as const) {
      const strip = (r: any) => ({ ...r, _meta: undefined });
      expect(strip(await gw.callTool({ name: `evs_${tool}`, arguments: args })), tool).toEqual(strip(await d.callTool({ name: tool, arguments: args })));
    }
    const res = (await gw.listResources()).resources.filter((r) => r.uri.startsWith('edgehub://evs/'));
    expect(res.length).toBe((await d.listResources()).resources.length);
    const read = await gw.readResource({ uri: res[0].uri });
    expect(read.contents[0].uri).toBe(res[0].uri);
    const prompts = (await gw.listPrompts()).prompts.filter((p) => p.name.startsWith('evs_'));
    expect(prompts.map((p) => p.name.slice(4)).sort()).toEqual((await d.listPrompts()).prompts.map((p) => p.name).sort());

    const seen: number[] = [];
    await gw.callTool({ name: 'evs_trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    const sampled = await gw.callTool({ name: 'evs_trigger-sampling-request', arguments: { prompt: 'ping through the connector' } });
    expect(JSON.stringify(sampled.content)).toContain('sampled:');
    expect(JSON.stringify(sampled.content)).toContain('ping through the connector');
    const elicited = await gw.callTool({ name: 'evs_trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(elicited.content)).toContain('Ada');
    await Promise.all([gw.close(), d.close()]);
  });

  it('the modern lane (2026-07-28, stateless) lists and calls it as the legacy lane does', async () => {
    // No sampling/elicitation capability on either side: server-everything lists tools by them.
    const legacy = new Client({ name: 'e2e-conn-legacy', version: '1.0.0' });
    await legacy.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    await until('evs tools', async () => (await legacy.listTools()).tools.some((t) => t.name === 'evs_get-sum'));
    const v2 = await import('@modelcontextprotocol/client');
    const modern = new v2.Client({ name: 'e2e-conn-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new v2.StreamableHTTPClientTransport(new URL(`${base()}/mcp`));
    await modern.connect(transport);
    expect(modern.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(transport.sessionId).toBeUndefined();
    const names = (tools: { name: string }[]) =>
      tools
        .map((t) => t.name)
        .filter((n) => n.startsWith('evs_'))
        .sort();
    expect(names((await modern.listTools()).tools)).toEqual(names((await legacy.listTools()).tools));
    const strip = (r: any) => ({ ...r, _meta: undefined });
    for (const [tool, args] of [
      ['get-sum', { a: 2, b: 40 }],
      ['echo', { message: 'modern lane' }],
    ] as const) {
      const m = await modern.callTool({ name: `evs_${tool}`, arguments: args });
      expect(strip(m), tool).toEqual(strip(await legacy.callTool({ name: `evs_${tool}`, arguments: args })));
    }
    await Promise.all([modern.close(), legacy.close()]);
  });

  it('kill -9 of the connector: tools leave within 10 s with a clear error; a restart brings them back', async () => {
    const gw = await viaEdge();
    await until('evs tools', async () => (await gw.listTools()).tools.some((t) => t.name === 'evs_echo'));
    let changed = 0;
    gw.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).ToolListChangedNotificationSchema, () => {
      changed++;
    });
    const t0 = Date.now();
    await stopConnector('SIGKILL');
    await until('evs tools to leave', async () => !(await gw.listTools()).tools.some((t) => t.name === 'evs_echo'), 12_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(changed).toBeGreaterThan(0);
    const st = (await hubStatus(gw)).servers.find((s: any) => s.name === 'evs');
    expect(st.state).toBe('waiting');
    expect(st.error).toMatch(new RegExp(`waiting for connector ${NAME}: offline since \\d{4}-`));
    const call = await gw.callTool({ name: 'evs_echo', arguments: { message: 'x' } }).catch((e) => e);
    expect(String(call?.message ?? JSON.stringify(call))).toMatch(/Unknown tool|waiting for connector/);

    startConnector();
    await until('evs tools to come back', async () => (await gw.listTools()).tools.some((t) => t.name === 'evs_echo'), 20_000);
    const back = await gw.callTool({ name: 'evs_echo', arguments: { message: 'back' } });
    expect(JSON.stringify(back.content)).toContain('back');
    await gw.close();
  });

  it('a child that exits at once is crash-looping in hub_status', async () => {
    await mount(base(), 'crashy', { command: process.execPath, args: [join(ROOT, 'test', 'fixtures', 'exit-at-once.mjs')], transport: { connector: NAME } });
    const gw = await viaEdge();
    const st = await until(
      'crash-looping',
      async () => {
        const s = (await hubStatus(gw)).servers.find((x: any) => x.name === 'crashy');
        return s?.state === 'crash-looping' && s;
      },
      30_000,
    );
    expect(st.error).toMatch(/crash-looping: exited \d+ times in 60 s, last: fixture: cannot open the database/);
    const health = await admin(base(), 'GET', '/health');
    expect(JSON.stringify(health.json)).toContain('crash-looping');
    await gw.close();
  });

  it("Magg's contrib kit (server-filesystem, server-memory) through the connector", async () => {
    writeFileSync(join(work, 'hello.txt'), 'hello from the connector machine\n');
    await mount(base(), 'fs', { command: process.execPath, args: [pkgBin('server-filesystem'), work], transport: { connector: NAME } });
    await mount(base(), 'mem', {
      command: process.execPath,
      args: [pkgBin('server-memory')],
      env: { MEMORY_FILE_PATH: '${E2E_MEMORY_FILE}' },
      transport: { connector: NAME },
    });
    const gw = await viaEdge();
    await until('fs and mem tools', async () => {
      const names = (await gw.listTools()).tools.map((t) => t.name);
      return names.includes('fs_read_text_file') && names.includes('mem_create_entities');
    });
    const read = await gw.callTool({ name: 'fs_read_text_file', arguments: { path: join(work, 'hello.txt') } });
    expect(JSON.stringify(read.content)).toContain('hello from the connector machine');
    await gw.callTool({
      name: 'mem_create_entities',
      arguments: { entities: [{ name: 'edgehub', entityType: 'gateway', observations: ['runs at the edge'] }] },
    });
    const graph = await gw.callTool({ name: 'mem_read_graph', arguments: {} });
    expect(JSON.stringify(graph)).toContain('runs at the edge');
    // The raw `${E2E_MEMORY_FILE}` went to the connector, which resolved it on its machine.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(work, 'memory.jsonl'), 'utf8')).toContain('runs at the edge');
    await gw.close();
  });
});
