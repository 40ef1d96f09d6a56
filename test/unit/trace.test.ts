import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/observability/log';
import { currentTrace, outgoing, parseTraceparent, startTrace, tracedFetch, traceMeta, withTrace } from '../../src/observability/trace';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TP = `00-${TRACE}-${PARENT}-01`;

afterEach(() => vi.restoreAllMocks());

describe('W3C traceparent parsing', () => {
  it('accepts version 00 and future versions, refuses malformed or all-zero ids', () => {
    expect(parseTraceparent(TP)).toEqual({ traceId: TRACE, parentId: PARENT, flags: '01' });
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-extra`)).toEqual({ traceId: TRACE, parentId: PARENT, flags: '00' });
    for (const bad of [
      `ff-${TRACE}-${PARENT}-01`,
      `00-${TRACE}-${PARENT}-01-extra`,
      `00-${'0'.repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      'garbage',
      42,
      undefined,
    ])
      expect(parseTraceparent(bad), String(bad)).toBeNull();
  });
});

describe('a request trace', () => {
  it('prefers _meta over the HTTP header, and puts its own span between caller and upstream', () => {
    const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
    const t = startTrace({ traceparent: TP, tracestate: 'k=v' }, { traceparent: other, tracestate: 'h=1' });
    expect(t).toMatchObject({ traceId: TRACE, parentId: PARENT, flags: '01', tracestate: 'k=v' });
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spanId).not.toBe(PARENT);
    expect(outgoing(t).traceparent).toBe(`00-${TRACE}-${t.spanId}-01`);
    const h = startTrace({}, { traceparent: other, tracestate: 'h=1', baggage: 'user=1' });
    expect(h).toMatchObject({ traceId: 'a'.repeat(32), parentId: 'b'.repeat(16), flags: '00', tracestate: 'h=1', baggage: 'user=1' });
  });

  it('starts a new trace when none (or a malformed one) comes in, and drops the orphaned tracestate', () => {
    const t = startTrace({ traceparent: 'nope', tracestate: 'k=v' });
    expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(t.parentId).toBeUndefined();
    expect(t.tracestate).toBeUndefined();
  });

  it('rewrites _meta and fetch headers only inside the request scope', async () => {
    const seen: Headers[] = [];
    const inner = (async (_i: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Headers(init?.headers));
      return new Response('ok');
    }) as typeof fetch;
    const f = tracedFetch(inner);
    await f('http://127.0.0.1/', { headers: { traceparent: TP, tracestate: 'stale=1', a: 'b' } });
    expect(seen[0].get('traceparent')).toBe(TP);
    expect(traceMeta({ traceparent: TP })).toEqual({ traceparent: TP });

    const t = startTrace({ traceparent: TP });
    await withTrace(t, async () => {
      await Promise.resolve();
      expect(currentTrace()).toBe(t);
      await f('http://127.0.0.1/', { headers: { traceparent: 'old', tracestate: 'stale=1', a: 'b' } });
      expect(traceMeta({ traceparent: TP, tracestate: 'stale=1', progressToken: 7 })).toEqual({ traceparent: `00-${TRACE}-${t.spanId}-01`, progressToken: 7 });
    });
    expect(seen[1].get('traceparent')).toBe(`00-${TRACE}-${t.spanId}-01`);
    expect(seen[1].get('tracestate')).toBeNull();
    expect(seen[1].get('a')).toBe('b');
  });

  it('stamps log lines written while serving the request with its trace id', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((l: string) => void lines.push(l));
    const t = startTrace({ traceparent: TP });
    await withTrace(t, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.warn('inside');
    });
    log.warn('outside');
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'inside', traceId: TRACE, spanId: t.spanId });
    expect(JSON.parse(lines[1]).traceId).toBeUndefined();
  });
});
