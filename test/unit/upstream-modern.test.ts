// A caller must not be able to open an upstream's breaker (shared by the tenant) with its own
// input: a resource URI that is not a valid header value, or by going away mid-request.
import { describe, expect, it } from 'vitest';
import { Breaker } from '../../src/gateway/breaker';
import { ModernUpstream } from '../../src/gateway/upstream-modern';
import type { RequestContext } from '../../src/mcp/context';
import { decodeParamValue, encodeParamValue } from '../../src/mcp/param-header';

function upstream(seen: Headers[], reply: (id: unknown, signal: AbortSignal) => Promise<Response> | Response) {
  const breaker = new Breaker('up', { failures: 3, cooldownMs: 60_000 });
  const fetcher = (async (_url: string, init: RequestInit) => {
    const req = new Request('https://up.example/mcp', init); // throws for headers a real fetch refuses
    seen.push(req.headers);
    const { id } = JSON.parse(await req.text());
    return reply(id, init.signal as AbortSignal);
  }) as unknown as typeof fetch;
  const up = new ModernUpstream({ name: 'up', breaker, url: 'https://up.example/mcp', headers: {}, callTimeoutMs: 5000, listTimeoutMs: 5000, fetch: fetcher });
  return { up, breaker };
}

const ctx = (signal = new AbortController().signal): RequestContext => ({
  lane: 'modern',
  principal: { sub: 'r', tenant: 't', scopes: ['mcp:read'] },
  protocolVersion: '2026-07-28',
  clientCapabilities: {},
  signal,
  notify: () => {},
  request: () => Promise.reject(new Error('none')),
});

describe('ModernUpstream and its breaker', () => {
  it('a URI that is no valid header value is sent base64-encoded in Mcp-Name and never counts as an outage', async () => {
    const seen: Headers[] = [];
    const { up, breaker } = upstream(seen, (id) => Response.json({ jsonrpc: '2.0', id, result: { contents: [] } }));
    const uris = ['edgehub://srv/\u0100', 'x://a\r\nInjected: 1', 'x://plain', ' padded'];
    for (const uri of uris) await up.readResource(ctx(), uri);
    expect(breaker.state).toBe('closed');
    const names = seen.map((h) => h.get('mcp-name'));
    expect(names[2]).toBe('x://plain');
    for (const i of [0, 1, 3]) {
      expect(names[i]).toMatch(/^=\?base64\?[A-Za-z0-9+/=]+\?=$/);
      expect(decodeParamValue(names[i]!)).toBe(uris[i]);
    }
  });

  it('Mcp-Name values: encoding round-trips, invalid sentinels are refused (as the reference SDK does)', () => {
    for (const v of ['plain', 'ünï', '', ' x', 'a\tb', '=?base64?abc?=']) expect(decodeParamValue(encodeParamValue(v))).toBe(v);
    expect(encodeParamValue('a\tb')).toBe('a\tb');
    expect(decodeParamValue('=?base64?not base64?=')).toBeUndefined();
    expect(decodeParamValue('=?base64?/w==?=')).toBeUndefined(); // not UTF-8
    expect(decodeParamValue('=?base64?w7w?=')).toBeUndefined(); // not canonical (padding)
  });

  it('a client that goes away mid-request does not trip the breaker', async () => {
    // Like a real fetch: a slow upstream, and the request rejects when its signal aborts.
    const { up, breaker } = upstream(
      [],
      (_id, signal) =>
        new Promise<Response>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const p = up.readResource(ctx(ac.signal), 'x://slow');
      ac.abort(new Error('client closed the stream'));
      await expect(p).rejects.toThrow(/cancelled by the client/);
    }
    expect(breaker.state).toBe('closed');
  });
});
