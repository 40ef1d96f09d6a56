// GET stream keepalive: an open stream gets a comment every SSE_KEEPALIVE_MS (the write that finds
// a client gone, which unpins the session's object), and no timer outlives the last stream (an
// idle session with no stream must hold nothing that runs).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GetStreams } from '../../src/mcp/get-streams';
import { SSE_KEEPALIVE_MS } from '../../src/mcp/sse';

const store = { appendEvent: () => '1', appendEvents: (): string[] => [], eventsAfter: () => null };
const dec = new TextDecoder();

afterEach(() => vi.useRealTimers());

describe('GET stream keepalive', () => {
  it('writes a comment on every open stream each interval, and stops when the last one closes', async () => {
    vi.useFakeTimers();
    const streams = new GetStreams(store);
    expect(vi.getTimerCount()).toBe(0);
    const a = streams.open(null).body!.getReader();
    const b = streams.open(null).body!.getReader();
    expect(vi.getTimerCount()).toBe(1); // one timer for all streams
    for (const r of [a, b]) expect(dec.decode((await r.read()).value)).toBe(': stream open\n\n');
    vi.advanceTimersByTime(SSE_KEEPALIVE_MS);
    for (const r of [a, b]) expect(dec.decode((await r.read()).value)).toBe(': keepalive\n\n');

    await b.cancel(); // this client went away: its writer closes, the other stream keeps the timer
    await vi.waitFor(() => expect(streams.size).toBe(1));
    expect(vi.getTimerCount()).toBe(1);
    streams.closeAll();
    expect(streams.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the timer stops when the only stream is cancelled by its reader', async () => {
    vi.useFakeTimers();
    const streams = new GetStreams(store);
    const r = streams.open(null).body!.getReader();
    await r.read();
    await r.cancel();
    await vi.waitFor(() => expect(streams.size).toBe(0));
    expect(vi.getTimerCount()).toBe(0);
  });
});
