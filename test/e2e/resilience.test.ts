// Faults in one upstream stay bounded and isolated: timeouts, HTTP 500, garbage, hangs, flapping;
// the breaker opens after 5 failures, answers at once while open, half-opens and closes when the
// upstream recovers; a healthy neighbour keeps answering; metrics move as expected.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startFault, startFixture } from '../helpers/procs';

const base = () => inject('edgehubUrl');
const CALL_TIMEOUT = 1000;
let fault: Awaited<ReturnType<typeof startFault>>;
let healthy: Proc;
let client: Client;

const text = (r: any) => (r.content as { text: string }[])[0]?.text;
async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = Date.now();
  const value = await op();
  return { ms: Date.now() - t0, value };
}
const call = (name: string) => client.callTool({ name, arguments: {} });

beforeAll(async () => {
  [fault, healthy] = await Promise.all([startFault(), startFixture('healthy')]);
  await mount(base(), 'healthy', { uri: `${healthy.url}/mcp`, prefix: 'healthy' });
  await mount(base(), 'flaky', {
    uri: `${fault.url}/mcp`,
    prefix: 'flaky',
    transport: {
      call_timeout_ms: CALL_TIMEOUT,
      connect_timeout_ms: CALL_TIMEOUT,
      list_timeout_ms: CALL_TIMEOUT,
      breaker_failures: 5,
      breaker_cooldown_ms: 2000,
    },
  });
  client = new Client({ name: 'resilience', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  expect(text(await call('flaky_ping'))).toBe('pong');
}, 60_000);

afterAll(async () => {
  await client?.close();
  for (const n of ['flaky', 'healthy']) await admin(base(), 'DELETE', `/servers/${n}`);
  await Promise.all([fault?.stop(), healthy?.stop()]);
});

describe('bounded, isolated faults', () => {
  for (const mode of ['hang', '500', 'garbage'] as const)
    it(`${mode}: a bounded isError within the call timeout, neighbour unaffected`, async () => {
      await fault.mode(mode);
      const { ms, value } = await timed(() => call('flaky_ping'));
      expect(value.isError).toBe(true);
      expect(text(value)).toMatch(/flaky/);
      expect(ms).toBeLessThan(CALL_TIMEOUT + 4000);
      expect(text(await call('healthy_whoami'))).toBe('healthy');
      await fault.mode('ok');
      // Recovers on the next call (the breaker has not opened after one failure).
      expect(text(await call('flaky_ping'))).toBe('pong');
    });

  it('slow: answers within the timeout are served', async () => {
    await fault.mode('slow', 300);
    expect(text(await call('flaky_ping'))).toBe('pong');
    await fault.mode('ok');
  });

  it('flapping: every call is either pong or a bounded error; the neighbour never fails', async () => {
    await fault.mode('flap');
    let ok = 0;
    for (let i = 0; i < 6; i++) {
      const r = await call('flaky_ping');
      if (!r.isError) ok++;
      expect(text(await call('healthy_whoami'))).toBe('healthy');
    }
    expect(ok).toBeGreaterThan(0);
    await fault.mode('ok');
    // Let a possibly opened breaker cool down before the next test.
    await new Promise((r) => setTimeout(r, 2200));
    await call('flaky_ping');
  });
});

describe('circuit breaker', () => {
  it('opens after 5 failures, fails fast while open, half-opens and closes on recovery', async () => {
    await fault.mode('500');
    for (let i = 0; i < 5; i++) expect((await call('flaky_ping')).isError).toBe(true);
    const before = ((await (await fetch(`${fault.url}/stats`)).json()) as { requests: number }).requests;
    const open = await timed(() => call('flaky_ping'));
    expect(open.value.isError).toBe(true);
    expect(text(open.value)).toMatch(/circuit open/);
    expect(text(open.value)).toMatch(/next trial in \d+ s/);
    expect(open.ms).toBeLessThan(500);
    const after = ((await (await fetch(`${fault.url}/stats`)).json()) as { requests: number }).requests;
    expect(after).toBe(before); // fail-fast: the upstream was not contacted
    expect(text(await call('healthy_whoami'))).toBe('healthy');

    await fault.mode('ok');
    await new Promise((r) => setTimeout(r, 2200));
    expect(text(await call('flaky_ping'))).toBe('pong'); // the half-open trial
    expect(text(await call('flaky_ping'))).toBe('pong'); // closed again
  });
});

describe('metrics', () => {
  it('GET /admin/api/metrics parses as Prometheus text and moves with traffic', async () => {
    const read = async () => {
      const r = await fetch(`${base()}/admin/api/metrics`);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return parsePrometheusTextFormat(await r.text()) as {
        name: string;
        metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
      }[];
    };
    const value = (fams: Awaited<ReturnType<typeof read>>, name: string, labels: Record<string, string>) =>
      Number(fams.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);
    await new Promise((r) => setTimeout(r, 1500)); // let earlier batches land
    const m0 = await read();
    for (let i = 0; i < 3; i++) await call('healthy_whoami');
    await fault.mode('500');
    await call('flaky_ping');
    await fault.mode('ok');
    await new Promise((r) => setTimeout(r, 1500));
    const m1 = await read();
    const lbl = { server: 'healthy', method: 'tools/call' };
    expect(value(m1, 'edgehub_upstream_requests_total', lbl) - value(m0, 'edgehub_upstream_requests_total', lbl)).toBe(3);
    const flaky = { server: 'flaky', method: 'tools/call' };
    expect(value(m1, 'edgehub_upstream_errors_total', flaky) - value(m0, 'edgehub_upstream_errors_total', flaky)).toBe(1);
    expect(m1.find((f) => f.name === 'edgehub_upstream_latency_ms')?.metrics.length).toBeGreaterThan(0);
    expect(value(m1, 'edgehub_config_version', {})).toBeGreaterThan(1);
    expect(value(m1, 'edgehub_active_sessions', {})).toBeGreaterThanOrEqual(1);
    expect(m1.find((f) => f.name === 'edgehub_upstream_breaker_state')?.metrics.some((m) => m.labels?.server === 'flaky')).toBe(true);
  });
});
