import { describe, expect, it } from 'vitest';
import { collectUpTo, compareBytes, concatBytes, hex, hexToBytes, writeHex } from '../../src/utils/bytes';

const oid = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

describe('byte helpers', () => {
  it('hex and hexToBytes are inverses (lowercase out, either case in)', () => {
    const raw = hexToBytes(oid);
    expect(raw.byteLength).toBe(20);
    expect(raw[0]).toBe(0x4b);
    expect(hex(raw)).toBe(oid);
    expect(hex(hexToBytes(oid.toUpperCase()))).toBe(oid);
    expect(hex(new Uint8Array([0, 1, 15, 16, 255]))).toBe('00010f10ff');
  });

  it('hexToBytes writes into a buffer at an offset, touching nothing else', () => {
    const buf = new Uint8Array(24).fill(7);
    hexToBytes(oid, buf, 2);
    expect([...buf.subarray(0, 2)]).toEqual([7, 7]);
    expect(hex(buf.subarray(2, 22))).toBe(oid);
    expect([...buf.subarray(22)]).toEqual([7, 7]);
  });

  it('writeHex encodes a range as ASCII hex and returns the end', () => {
    const src = new Uint8Array([9, 0xab, 0xcd, 9]);
    const out = new Uint8Array(6);
    expect(writeHex(src, 1, 3, out, 1)).toBe(5);
    expect(new TextDecoder().decode(out.subarray(1, 5))).toBe('abcd');
  });

  it('compareBytes is bytewise, the shorter first on a common prefix', () => {
    const b = (s: string) => new TextEncoder().encode(s);
    expect(compareBytes(b('a'), b('b'))).toBeLessThan(0);
    expect(compareBytes(b('ab'), b('a'))).toBeGreaterThan(0);
    expect(compareBytes(b('a/'), b('a.'))).toBeGreaterThan(0); // '/' (0x2f) sorts after '.' (0x2e)
    expect(compareBytes(b('x'), b('x'))).toBe(0);
  });

  it('concatBytes joins in order', () => {
    expect([...concatBytes([new Uint8Array([1]), new Uint8Array([]), new Uint8Array([2, 3])])]).toEqual([1, 2, 3]);
  });

  it('collectUpTo reads to the end within the limit and stops at the chunk that crosses it', async () => {
    const stream = (sizes: number[]) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const n of sizes) c.enqueue(new Uint8Array(n));
          c.close();
        },
      });
    const whole = await collectUpTo(stream([3, 4, 3]).getReader(), 10);
    expect([whole.over, whole.size, whole.chunks.length]).toEqual([false, 10, 3]);
    const over = await collectUpTo(stream([3, 4, 4, 100]).getReader(), 10);
    // `size` counts the crossing chunk too (read, not kept): a refused body's size is known.
    expect([over.over, over.size, over.chunks.length]).toEqual([true, 11, 2]);
  });
});
