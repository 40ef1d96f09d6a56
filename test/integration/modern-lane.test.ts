// The stateless 2026-07-28 lane on the same /mcp URL: envelope and header rules, discover,
// removed methods, result shapes.
import { describe, expect, it } from 'vitest';
import { post } from '../helpers/rpc';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const H = (method: string, extra: Record<string, string> = {}) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...extra });

async function modern(method: string, params: Record<string, unknown> = {}, headers = H(method), id = 1) {
  const r = await post({ jsonrpc: '2.0', id, method, params: { _meta: META, ...params } }, headers);
  return { status: r.status, body: (await r.json()) as any };
}

describe('2026-07-28 lane', () => {
  it('server/discover lists versions, capabilities, cache hints and serverInfo in _meta', async () => {
    const { status, body } = await modern('server/discover');
    expect(status).toBe(200);
    expect(body.result.supportedVersions).toContain('2026-07-28');
    expect(body.result.supportedVersions).toContain('2025-11-25');
    expect(body.result.capabilities.tools.listChanged).toBe(true);
    expect(body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(body.result._meta['io.modelcontextprotocol/serverInfo'].name).toBe('edgehub');
  });

  it('envelope errors: -32602 for missing keys, -32020 for header mismatch, -32022 for an unknown version, ids echoed', async () => {
    const missing = await post({ jsonrpc: '2.0', id: 101, method: 'server/discover', params: {} }, H('server/discover'));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ id: 101, error: { code: -32602 } });
    const noCaps = await post(
      { jsonrpc: '2.0', id: 104, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } },
      H('server/discover'),
    );
    expect(await noCaps.json()).toMatchObject({ id: 104, error: { code: -32602, data: { envelope: { key: 'io.modelcontextprotocol/clientCapabilities' } } } });
    const mismatch = await post(
      { jsonrpc: '2.0', id: 302, method: 'server/discover', params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': 'v999' } } },
      H('server/discover'),
    );
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()) as any).toMatchObject({ id: 302, error: { code: -32020 } });
    const unknown = await post(
      { jsonrpc: '2.0', id: 301, method: 'server/discover', params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': 'v999' } } },
      H('server/discover', { 'mcp-protocol-version': 'v999' }),
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ id: 301, error: { code: -32022, data: { requested: 'v999' } } });
    const wrongMethod = await modern('tools/list', {}, H('prompts/list'));
    expect(wrongMethod.status).toBe(400);
    expect(wrongMethod.body.error.code).toBe(-32020);
    const wrongName = await modern('tools/call', { name: 'hub_status', arguments: {} }, H('tools/call', { 'mcp-name': 'other' }));
    expect(wrongName.body.error.code).toBe(-32020);
  });

  it('removed and unknown methods are 404 / -32601', async () => {
    for (const m of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'unknown/method']) {
      const { status, body } = await modern(m, {}, H(m), 500);
      expect(status, m).toBe(404);
      expect(body).toMatchObject({ id: 500, error: { code: -32601 } });
    }
  });

  it('lists carry resultType and cache hints; calls carry resultType and the config version', async () => {
    const list = await modern('tools/list');
    expect(list.body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(list.body.result.tools.map((t: any) => t.name)).toContain('hub_status');
    const callRes = await modern('tools/call', { name: 'hub_status', arguments: {} }, H('tools/call', { 'mcp-name': 'hub_status' }));
    expect(callRes.body.result.resultType).toBe('complete');
    expect(callRes.body.result._meta['io.edgehub/configVersion']).toBeGreaterThanOrEqual(1);
    expect(callRes.body.result.structuredContent.version).toBeTruthy();
  });

  it('GET and DELETE without a session are 405 on this lane', async () => {
    const { call } = await import('../helpers/rpc');
    expect((await call('/mcp', { method: 'GET', headers: { accept: 'text/event-stream' } })).status).toBe(405);
    expect((await call('/mcp', { method: 'DELETE' })).status).toBe(405);
  });
});
