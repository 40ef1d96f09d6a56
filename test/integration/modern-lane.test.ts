// The stateless 2026-07-28 lane on the same /mcp URL: envelope and header rules, discover,
// removed methods, result shapes.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FRESH_MS, RECHECK_MIN_MS } from '../../src/runtime/gateway-runtime';
import { call, post } from '../helpers/rpc';

/** What a ConfigDO change answers. */
type Committed = { ok: boolean; version: number };

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
    const noName = await modern('tools/call', { name: 'hub_status', arguments: {} }, H('tools/call'));
    expect(noName).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
    // SEP-2243: a base64 sentinel carries any value; an invalid one is a mismatch.
    const encoded = await modern('tools/call', { name: 'hub_status', arguments: {} }, H('tools/call', { 'mcp-name': `=?base64?${btoa('hub_status')}?=` }));
    expect(encoded.status).toBe(200);
    expect(encoded.body.result.isError).toBeFalsy();
    const badSentinel = await modern('tools/call', { name: 'hub_status', arguments: {} }, H('tools/call', { 'mcp-name': '=?base64?***?=' }));
    expect(badSentinel).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
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

  // No push reaches a Worker isolate: the lane must still see a change without waiting for its
  // 30 s refresh (a client told list_changed lists at once; a just-mounted tool is called at once).
  describe('config changes', () => {
    const names = async () => (await modern('tools/list')).body.result.tools.map((t: any) => t.name) as string[];
    const callTool = (name: string) => modern('tools/call', { name, arguments: {} }, H('tools/call', { 'mcp-name': name }));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('a change through the admin API is served by this isolate from the next request', async () => {
      expect(await names()).toContain('hub_status'); // the lane's runtime holds a snapshot now
      const put = await call('/admin/api/servers/gitb?check=false', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: 'builtin:git', prefix: 'gitb' }),
      });
      expect(put.status).toBe(200);
      const { version } = (await put.json()) as { version: number };
      expect(await names()).toContain('gitb_status');
      const status = await callTool('hub_status');
      expect(status.body.result._meta['io.edgehub/configVersion']).toBe(version);
      expect((await call('/admin/api/servers/gitb', { method: 'DELETE' })).status).toBe(200);
      expect(await names()).not.toContain('gitb_status');
    });

    it('a change made through hub_* tools on this lane is served from the next request', async () => {
      expect(await names()).not.toContain('gitd_status');
      const added = await modern(
        'tools/call',
        { name: 'hub_add_server', arguments: { name: 'gitd', uri: 'builtin:git', prefix: 'gitd' } },
        H('tools/call', { 'mcp-name': 'hub_add_server' }),
      );
      expect(added.body.result.structuredContent).toMatchObject({ ok: true });
      expect(await names()).toContain('gitd_status');
      const removed = await modern(
        'tools/call',
        { name: 'hub_remove_server', arguments: { name: 'gitd' } },
        H('tools/call', { 'mcp-name': 'hub_remove_server' }),
      );
      expect(removed.body.result.structuredContent).toMatchObject({ ok: true });
      expect(await names()).not.toContain('gitd_status');
    });

    it('a change made elsewhere: a list is at most FRESH_MS behind, and a new tool is found at once', async () => {
      expect(await names()).not.toContain('gitc_status');
      // Committed by the Config DO directly, as another isolate would: this isolate is not told.
      const cfg = env.CONFIG.get(env.CONFIG.idFromName('default'));
      // Typed by hand: the stub's inferred RPC type of these results collapses to `never`.
      const r = (await cfg.addServer({ sub: 'test' }, 'gitc', { uri: 'builtin:git', prefix: 'gitc' }, { check: false })) as unknown as Committed;
      expect(r.ok).toBe(true);
      await sleep(RECHECK_MIN_MS + 50);
      // The unknown name makes the lane check for a newer version before refusing it.
      const called = await callTool('gitc_branch');
      expect(called.body.error?.message ?? '').not.toMatch(/Unknown tool/);
      expect(called.body.result._meta['io.edgehub/configVersion']).toBe(r.version);
      const removed = (await cfg.removeServer({ sub: 'test' }, 'gitc')) as unknown as Committed;
      expect(removed.ok).toBe(true);
      await sleep(FRESH_MS + 100);
      expect(await names()).not.toContain('gitc_status');
      // A name that is unknown in every version is still refused, with the version that refused it.
      const unknown = await callTool('nope_nothing');
      expect(unknown.body.error).toMatchObject({ code: -32602, data: { configVersion: removed.version } });
    });
  });
});
