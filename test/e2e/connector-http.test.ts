// An http(s) entry served by a connector: a tiny SDK server on 127.0.0.1 (private to "the
// connector's machine": this edgehub refuses private upstreams) mounted with
// `transport: {connector, headers: {X-Probe: '${PROBE}'}}`. The real CLI connector, started with
// PROBE in its environment, reaches it; the server gets the connector machine's value; the edge
// (its output, every admin read) never sees it. Its own `wrangler dev`, so its output can be read.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admin, mount } from '../helpers/admin';
import { cliRunner } from '../helpers/cli';
import { pollUntil } from '../helpers/poll.mjs';
import { type DevServer, freePort, ROOT, startDev } from '../helpers/wrangler';

const CLI = join(ROOT, 'src', 'cli', 'edgehub.mjs');
const NAME = 'e2e-http';
const PROBE = `probe-${randomUUID()}`;
const seen: (string | undefined)[] = [];
const sseStreams = new Set<import('node:http').ServerResponse>();
let sseInits = 0;
let dev: DevServer;
let upstream: Server;
let upstreamUrl: string;
let connector: ChildProcess | null = null;
let connectorOut = '';
const cli = cliRunner(() => dev.url, mkdtempSync(join(tmpdir(), 'edgehub-conn-http-')));

function probeServer() {
  const server = new McpServer({ name: 'probe-upstream', version: '1.0.0' });
  server.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

/** A stateful MCP server with one tool, streamable HTTP on /mcp and HTTP+SSE on /sse; it records every request's X-Probe. */
async function startUpstream() {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  upstream = createServer(async (req, res) => {
    seen.push(req.headers['x-probe'] as string | undefined);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/sse') {
      sseStreams.add(res);
      const t = new SSEServerTransport('/messages', res);
      sse.set(t.sessionId, t);
      return probeServer().connect(t);
    }
    if (url.pathname === '/messages') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const msg = JSON.parse(body);
      if (msg.method === 'initialize') sseInits++;
      const t = sse.get(url.searchParams.get('sessionId') ?? '');
      return t ? t.handlePostMessage(req, res, msg) : res.writeHead(404).end('no such SSE session');
    }
    const id = req.headers['mcp-session-id'] as string | undefined;
    let t = id ? sessions.get(id) : undefined;
    if (!t) {
      t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (s) => void sessions.set(s, t!) });
      await probeServer().connect(t);
    }
    await t.handleRequest(req, res);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/mcp`;
}

function startConnector() {
  connector = spawn(process.execPath, [CLI, 'connect', '--name', NAME], {
    cwd: ROOT,
    env: { ...process.env, EDGEHUB_URL: dev.url, NO_COLOR: '1', PROBE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  connector.stdout?.on('data', (d) => (connectorOut += d));
  connector.stderr?.on('data', (d) => (connectorOut += d));
}

const until = <T>(what: string, f: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> =>
  pollUntil(what, f, { ms, context: () => `connector output:\n${connectorOut.slice(-2000)}` });

async function viaEdge() {
  const c = new Client({ name: 'e2e-conn-http', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`)));
  return c;
}

const hubStatus = async (c: Client) => JSON.parse(((await c.callTool({ name: 'hub_status', arguments: {} })).content as any)[0].text);

beforeAll(async () => {
  // Private upstreams refused: only the connector may reach 127.0.0.1.
  dev = await startDev({ vars: { ALLOW_PRIVATE_UPSTREAMS: 'false', HEALTH_INTERVAL_SECONDS: '3600' } });
  await startUpstream();
}, 120_000);

afterAll(async () => {
  if (connector && connector.exitCode === null) {
    const c = connector;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  }
  upstream?.close();
  await dev?.stop();
});

describe('an http entry reached from the connector machine', () => {
  it('is refused at the edge directly, waits for its connector, then answers through it', async () => {
    const direct = await admin(dev.url, 'PUT', '/servers/plain', { uri: upstreamUrl });
    expect(direct.status).toBe(422);

    await mount(dev.url, 'probe', { uri: upstreamUrl, transport: { connector: NAME, headers: { 'X-Probe': '${PROBE}' } } });
    const gw = await viaEdge();
    const waiting = (await hubStatus(gw)).servers.find((s: any) => s.name === 'probe');
    expect(waiting).toMatchObject({ state: 'waiting', connector: NAME, kind: 'http' });

    startConnector();
    await until('probe tools', async () => (await gw.listTools()).tools.some((t) => t.name === 'probe_add'));
    const r = await gw.callTool({ name: 'probe_add', arguments: { a: 2, b: 40 } });
    expect(r.content).toEqual([{ type: 'text', text: '42' }]);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([PROBE]));

    const check = JSON.parse(((await gw.callTool({ name: 'hub_check', arguments: {} })).content as any)[0].text);
    expect(check.results.probe).toMatchObject({ ok: true, tools: 1 });
    await gw.close();
  });

  it('a /sse entry (added with `servers add --connector`) goes over the legacy HTTP+SSE transport, with the header too', async () => {
    const before = seen.length;
    const sse = upstreamUrl.replace(/\/mcp$/, '/sse');
    const added = await cli(['servers', 'add', 'probesse', '--uri', sse, '--connector', NAME, '--header', 'X-Probe=${PROBE}']);
    expect(added.code, added.stderr).toBe(0);
    expect((await cli(['servers', 'list'])).stdout).toMatch(/probesse.*via connector/);
    const gw = await viaEdge();
    await until('probesse tools', async () => (await gw.listTools()).tools.some((t) => t.name === 'probesse_add'));
    const r = await gw.callTool({ name: 'probesse_add', arguments: { a: 1, b: 2 } });
    expect(r.content).toEqual([{ type: 'text', text: '3' }]);
    expect(new Set(seen.slice(before))).toEqual(new Set([PROBE]));
    // The upstream drops its streams (a restart): that ends the session at once (the stream is the
    // session), so the next call gets a new, initialised one instead of failing on the dead one.
    const inits = sseInits;
    for (const res of sseStreams) res.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    const again = await gw.callTool({ name: 'probesse_add', arguments: { a: 3, b: 4 } });
    expect(again.content).toEqual([{ type: 'text', text: '7' }]);
    expect(sseInits).toBeGreaterThan(inits);
    await gw.close();
    await admin(dev.url, 'DELETE', '/servers/probesse');
  });

  it('an unreachable server ends its session and reports why (health rows, as a stdio child that exits)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/mcp`; // nothing listens there
    await mount(dev.url, 'gone', { uri: closed, transport: { connector: NAME } });
    const gw = await viaEdge();
    const st = await until('gone to fail', async () => {
      const s = (await hubStatus(gw)).servers.find((x: any) => x.name === 'gone');
      return s?.state === 'failing' && s;
    });
    expect(st.connector).toBe(NAME);
    const health = await until('the health row', async () => {
      const h = await admin(dev.url, 'GET', '/health');
      return h.text.includes('failed: fetch failed') && h.text;
    });
    expect(health).toContain(`gone on connector e2e-http is backoff: request to ${closed} failed: fetch failed (connect ECONNREFUSED`);
    await gw.close();
    await admin(dev.url, 'DELETE', '/servers/gone');
  });

  it('the modern lane (2026-07-28, stateless) gets the same answer', async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const client = new v2.Client({ name: 'e2e-conn-http-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new v2.StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('probe_add');
    const r = await client.callTool({ name: 'probe_add', arguments: { a: 2, b: 40 } });
    expect(r.content).toEqual([{ type: 'text', text: '42' }]);
    await client.close();
  });

  it('a header naming a variable unset on the connector machine fails with that name', async () => {
    await mount(dev.url, 'unset', { uri: upstreamUrl, transport: { connector: NAME, headers: { Authorization: 'Bearer ${NOT_SET_ON_CONNECTOR}' } } });
    const gw = await viaEdge();
    const st = await until('unset to fail', async () => {
      const s = (await hubStatus(gw)).servers.find((x: any) => x.name === 'unset');
      return s?.error?.includes('NOT_SET_ON_CONNECTOR') && s;
    });
    expect(st.error).toMatch(/header Authorization references \$\{NOT_SET_ON_CONNECTOR\}, which is not set on this machine/);
    await gw.close();
    await admin(dev.url, 'DELETE', '/servers/unset');
  });

  it("the edge never sees the connector machine's value", async () => {
    const reads = await Promise.all(
      ['/servers', '/servers/probe', '/config', '/audit', '/health', '/sessions', '/metrics'].map((p) => admin(dev.url, 'GET', p)),
    );
    for (const r of reads) expect(r.status).toBe(200);
    const all = reads.map((r) => r.text).join('\n');
    expect(all).toContain('${PROBE}'); // the reference is shown as written
    expect(all).not.toContain(PROBE);
    expect(dev.output()).not.toContain(PROBE);
  });
});
