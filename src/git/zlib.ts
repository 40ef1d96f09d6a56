/**
 * Synchronous zlib and SHA-1 for the object paths that touch thousands of objects (pack
 * reading and writing, tree writing): Node's native implementations via `nodejs_compat` cost
 * microseconds per object where the async web streams cost an event-loop turn each.
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

export function inflate(data: Uint8Array): Uint8Array {
  return inflateSync(data);
}

/**
 * Inflates the zlib stream starting at `offset`; also returns how many input bytes it used. With
 * `maxOut`, inflating more than that many bytes throws a RangeError instead of allocating them.
 */
export function inflateAt(data: Uint8Array, offset: number, maxOut?: number): { data: Uint8Array; consumed: number } {
  const r = inflateSync(data.subarray(offset), { info: true, ...(maxOut !== undefined ? { maxOutputLength: Math.max(maxOut, 1) } : {}) });
  return { data: r.buffer, consumed: r.engine.bytesWritten };
}

export function deflate(data: Uint8Array, level = 1): Uint8Array {
  return deflateSync(data, { level });
}

export function sha1Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

export function sha1(): { update(b: Uint8Array): void; digest(): Uint8Array } {
  const h = createHash('sha1');
  return { update: (b) => void h.update(b), digest: () => new Uint8Array(h.digest()) };
}

const enc = new TextEncoder();

/** A git object's id and its uncompressed loose form (`type size\0content`). */
export function wrapObject(type: string, content: Uint8Array): { oid: string; wrapped: Uint8Array } {
  const head = enc.encode(`${type} ${content.byteLength}\0`);
  const wrapped = new Uint8Array(head.byteLength + content.byteLength);
  wrapped.set(head);
  wrapped.set(content, head.byteLength);
  return { oid: sha1Hex(wrapped), wrapped };
}
