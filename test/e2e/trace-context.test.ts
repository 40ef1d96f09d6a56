// W3C trace context through edgehub, both lanes, with the official SDK clients: the caller's
// traceparent (HTTP header or `_meta`) reaches the upstream with the same trace id and edgehub's
// own span as parent, in the HTTP header and in `_meta`; tracestate/baggage pass on; log lines
// written while serving the request carry the trace id. Own `wrangler dev` (its log is read).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount } from '../helpers/admin';
import { type Proc, startFixture } from '../helpers/procs';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';
import { type DevServer, startDev } from '../helpers/wrangler';

let dev: DevServer;
let fixture: Proc;
let proxy: RecordingProxy;

const hex = (n: number, c: string) => c.repeat(n);
const TP = (trace: string, span: string) => `00-${trace}-${span}-01`;
const TP_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function upstreamCall(tool: string) {
  const r = proxy.seen.filter((s) => s.body?.method === 'tools/call' && s.body.params?.name === tool).at(-1);
  if (!r) throw new Error(`the upstream never saw tools/call ${tool}`);
  return r;
}

beforeAll(async () => {
  dev = await startDev({ vars: { HEALTH_INTERVAL_SECONDS: '3600' } });
  fixture = await startFixture('traced');
  proxy = await startRecordingProxy(fixture.url);
  await mount(dev.url, 'tr', { uri: `${proxy.url}/mcp`, prefix: 'tr' });
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await fixture?.stop();
  await dev?.stop();
});

describe('trace context, legacy lane (SDK 1.x, 2025-11-25)', () => {
  it('propagates the HTTP traceparent with edgehub as the parent span, in headers and _meta', async () => {
    const trace = hex(32, 'a');
    const client = new Client({ name: 'trace-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`), {
        requestInit: { headers: { traceparent: TP(trace, hex(16, '1')), tracestate: 'vendor=abc', baggage: 'tenant=t1' } },
      }),
    );
    const res = await client.callTool({ name: 'tr_test_simple_text', arguments: {} });
    expect(res.isError).toBeFalsy();
    const seen = upstreamCall('test_simple_text');
    const header = TP_RE.exec(String(seen.headers.traceparent));
    expect(header?.[1]).toBe(trace);
    expect(header?.[2]).not.toBe(hex(16, '1')); // edgehub's span sits between
    expect(seen.body.params._meta.traceparent).toBe(seen.headers.traceparent);
    expect(seen.headers.tracestate).toBe('vendor=abc');
    expect(seen.body.params._meta.tracestate).toBe('vendor=abc');
    expect(seen.headers.baggage).toBe('tenant=t1');
    await client.close();
  });

  it('prefers _meta.traceparent over the HTTP header, per request of one session', async () => {
    const client = new Client({ name: 'trace-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`), { requestInit: { headers: { traceparent: TP(hex(32, 'b'), hex(16, '2')) } } }),
    );
    for (const trace of [hex(32, 'c'), hex(32, 'd')]) {
      await client.callTool({ name: 'tr_test_simple_text', arguments: {}, _meta: { traceparent: TP(trace, hex(16, '3')) } });
      const seen = upstreamCall('test_simple_text');
      expect(TP_RE.exec(seen.body.params._meta.traceparent)?.[1]).toBe(trace);
      expect(TP_RE.exec(String(seen.headers.traceparent))?.[1]).toBe(trace);
      expect(seen.headers.tracestate).toBeUndefined(); // the header's tracestate belongs to another trace
    }
    await client.close();
  });

  it('writes the trace id into the log line of a failed call', async () => {
    const trace = hex(32, 'e');
    const client = new Client({ name: 'trace-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`)));
    proxy.failCalls = true;
    try {
      const res = await client.callTool({ name: 'tr_test_simple_text', arguments: {}, _meta: { traceparent: TP(trace, hex(16, '4')) } });
      expect(res.isError).toBe(true);
    } finally {
      proxy.failCalls = false;
    }
    const deadline = Date.now() + 5000;
    const line = () =>
      dev
        .output()
        .split('\n')
        .find((l) => l.includes(`"traceId":"${trace}"`));
    while (!line() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const l = line()!;
    const json = JSON.parse(l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1));
    expect(json).toMatchObject({ msg: 'tool call failed', traceId: trace, upstream: 'tr' });
    expect(json.spanId).toMatch(/^[0-9a-f]{16}$/);
    await client.close();
  });
});

describe('trace context, modern lane (SDK v2, 2026-07-28)', () => {
  it('forwards to the 2026 upstream with edgehub as the parent span, plus Mcp-Method / Mcp-Name', async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const trace = hex(32, 'f');
    const client = new v2.Client({ name: 'trace-e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new v2.StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`), {
        requestInit: { headers: { traceparent: TP(trace, hex(16, '5')), tracestate: 'v2=1' } },
      }),
    );
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const res = await client.callTool({ name: 'tr_test_simple_text', arguments: {} });
    expect(res.isError).toBeFalsy();
    const seen = upstreamCall('test_simple_text');
    expect(seen.headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(seen.headers['mcp-method']).toBe('tools/call');
    expect(seen.headers['mcp-name']).toBe('test_simple_text');
    const header = TP_RE.exec(String(seen.headers.traceparent));
    expect(header?.[1]).toBe(trace);
    expect(header?.[2]).not.toBe(hex(16, '5'));
    expect(seen.body.params._meta.traceparent).toBe(seen.headers.traceparent);
    expect(seen.body.params._meta.tracestate).toBe('v2=1');

    const viaMeta = hex(32, '9');
    await client.callTool({ name: 'tr_test_simple_text', arguments: {}, _meta: { traceparent: TP(viaMeta, hex(16, '6')) } });
    expect(TP_RE.exec(upstreamCall('test_simple_text').body.params._meta.traceparent)?.[1]).toBe(viaMeta);
    await client.close();
  });
});
