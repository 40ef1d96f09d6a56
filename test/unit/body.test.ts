import { describe, expect, it } from 'vitest';
import { readLimited } from '../../src/middleware/body';

const enc = new TextEncoder();

/** A request whose body arrives in `chunks` with no Content-Length (chunked transfer). */
function chunked(chunks: string[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of chunks) c.enqueue(enc.encode(s));
      c.close();
    },
  });
  return new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('readLimited', () => {
  it('reads a body with a declared length in one go', async () => {
    const text = '{"a":"é"}';
    const r = new Request('http://x/', { method: 'POST', body: text, headers: { 'content-length': String(enc.encode(text).byteLength) } });
    expect(await readLimited(r, 100)).toBe('{"a":"é"}');
  });
  it('refuses a declared length over the limit without reading', async () => {
    const r = new Request('http://x/', { method: 'POST', body: 'x'.repeat(101), headers: { 'content-length': '101' } });
    expect(await readLimited(r, 100)).toBeNull();
    expect(r.bodyUsed).toBe(false);
  });
  it('counts a chunked body as it arrives: within the limit it is joined, over it is refused', async () => {
    expect(await readLimited(chunked(['{"a":', '"é', '"}']), 100)).toBe('{"a":"é"}');
    expect(await readLimited(chunked(['x'.repeat(60), 'x'.repeat(60)]), 100)).toBeNull();
  });
  it('an empty body is the empty string', async () => {
    expect(await readLimited(new Request('http://x/', { method: 'POST' }))).toBe('');
  });
});
