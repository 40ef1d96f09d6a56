import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from '../../src/mcp/sse-parse';

const enc = new TextEncoder();

/** A body delivered in exactly these chunks (strings, or raw bytes to split a character). */
function body(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(typeof x === 'string' ? enc.encode(x) : x);
      c.close();
    },
  });
}

async function all(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const ev of readSse(body(chunks))) out.push(ev);
  return out;
}

describe('readSse', () => {
  it('reads events with LF, CRLF and CR line ends, joining multi-line data', async () => {
    expect(await all(['data: a\n\n', 'data: b\r\ndata: c\r\n\r\n', 'data:d\r\r'])).toEqual([{ data: 'a' }, { data: 'b\nc' }, { data: 'd' }]);
  });

  it('does not split a CRLF that arrives in two chunks into two line ends', async () => {
    expect(await all(['data: x\r', '\ndata: y\r', '\n\r', '\n'])).toEqual([{ data: 'x\ny' }]);
  });

  it('decodes a character split across chunks', async () => {
    const bytes = enc.encode('data: é✓\n\n');
    expect(await all([bytes.slice(0, 7), bytes.slice(7, 9), bytes.slice(9)])).toEqual([{ data: 'é✓' }]);
  });

  it('keeps the last event id across events, reports event types and retry (on the next event), skips comments', async () => {
    const events = await all([': comment\n\n', 'id: 7\ndata: {"a":1}\n\n', 'event: ping\ndata: p\n\n', 'retry: 1500\n\n', 'id\ndata: z\n\n']);
    expect(events).toEqual([
      { data: '{"a":1}', id: '7' },
      { data: 'p', id: '7', event: 'ping' },
      { data: 'z', id: '', retry: 1500 },
    ]);
  });

  it('reports an id-only (priming) event, and ignores unknown fields and invalid retry values', async () => {
    expect(await all(['id: p1\ndata\n\n', 'foo: bar\nretry: 12a\n\n'])).toEqual([{ data: '', id: 'p1' }]);
  });

  it('delivers a last event that the stream did not close with a blank line', async () => {
    expect(await all(['data: one\n\ndata: two'])).toEqual([{ data: 'one' }, { data: 'two' }]);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode('data: tick\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const ev of readSse(stream)) {
      expect(ev.data).toBe('tick');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
