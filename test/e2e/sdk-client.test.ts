// The official MCP SDK clients against a real `wrangler dev` instance.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, inject, it } from 'vitest';

const url = () => new URL('/mcp', inject('edgehubUrl'));

describe('SDK 1.x client (2025-11-25, sessionful)', () => {
  it('connects, lists tools, calls hub_status, terminates; the old session id then gets 404', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url());
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('edgehub');
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('hub_status');
    const res = await client.callTool({ name: 'hub_status', arguments: {} });
    const status = res.structuredContent as { version: string; configVersion: number; servers: { name: string }[] };
    expect(status.configVersion).toBeGreaterThanOrEqual(1);
    expect(status.servers.some((s) => s.name === 'git')).toBe(true);

    await transport.terminateSession();
    await client.close();
    const after = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });
});

describe('SDK v2 client (2026-07-28, stateless)', () => {
  it('negotiates 2026-07-28, lists tools, calls hub_status with no session', async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const client = new v2.Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new v2.StreamableHTTPClientTransport(url());
    await client.connect(transport);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(transport.sessionId).toBeUndefined();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('hub_status');
    const res = await client.callTool({ name: 'hub_status', arguments: {} });
    expect((res.structuredContent as { configVersion: number }).configVersion).toBeGreaterThanOrEqual(1);
    await client.close();
    // The modern lane has no GET stream and no session to delete.
    const get = await fetch(url(), { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});
