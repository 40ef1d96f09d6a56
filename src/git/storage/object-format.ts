/**
 * The two stored forms of a git object and the conversions between them (see objects.ts for
 * where each is kept):
 *   loose       zlib("<type> <size>\0" + content) — git's loose object, what R2 holds;
 *   pack-ready  zlib(content) with the pack type code and content size — a pack entry's data as
 *               is, so upload-pack streams it without inflating or deflating.
 * The loose form is rebuilt from the pack-ready one without recompressing (`looseOf`), so a row
 * keeps only the pack-ready copy.
 */
import { deflate, inflate } from '../zlib';

/** The id of the empty tree: named by empty commits, never necessarily stored. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Pack type codes (gitformat-pack(5)). */
export const TYPE_CODE: Readonly<Record<string, number>> = { commit: 1, tree: 2, blob: 3, tag: 4 };
/** Type names by pack type code ('' and undefined for codes that are not whole objects). */
export const TYPE_NAME: readonly string[] = ['', 'commit', 'tree', 'blob', 'tag'];

/** A stored row's data: fmt 0 = loose object (type/rawSize unknown: 0); fmt 1 = zlib(content). */
export interface Stored {
  fmt: 0 | 1;
  type: number;
  rawSize: number;
  data: Uint8Array;
}
export type PackReady = Stored & { fmt: 1 };

/** One pack entry: its header fields and zlib(content), in memory or (large R2 objects) streamed. */
export interface PackedObject {
  oid: string;
  type: number;
  size: number;
  data?: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Adler-32 of `b` continuing from `a`. */
function adler32(b: Uint8Array, a = 1): number {
  let s1 = a & 0xffff;
  let s2 = a >>> 16;
  for (const x of b) {
    s1 = (s1 + x) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

/** Adler-32 of A‖B from adler(A), adler(B) and |B| (zlib's adler32_combine). */
function adler32Combine(a1: number, a2: number, len2: number): number {
  const BASE = 65521;
  const rem = len2 % BASE;
  let sum1 = a1 & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (a2 & 0xffff) + BASE - 1;
  sum2 += (a1 >>> 16) + (a2 >>> 16) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE * 2) sum2 -= BASE * 2;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

const headerOf = (type: number, rawSize: number) => enc.encode(`${TYPE_NAME[type]} ${rawSize}\0`);

/** Byte length of the loose object of data stored as `fmt` (`looseOf` adds a stored block of the header). */
export function looseSize(fmt: number, type: number | null, rawSize: number | null, bytes: number): number {
  return fmt === 1 ? bytes + headerOf(type!, rawSize!).byteLength + 5 : bytes;
}

/**
 * The loose object of stored data, rebuilt from fmt 1 without recompressing: a zlib header, one
 * stored deflate block holding "<type> <size>\0", the content's deflate blocks, and the Adler-32
 * of the whole combined from the two parts.
 */
export function looseOf(s: Stored): Uint8Array {
  if (s.fmt === 0) return s.data;
  const z = s.data;
  const h = headerOf(s.type, s.rawSize);
  const out = new Uint8Array(z.byteLength + h.byteLength + 5);
  // zlib header (deflate, 32 KiB window), then a non-final stored block with the object header.
  out.set([0x78, 0x01, 0x00, h.byteLength & 0xff, h.byteLength >> 8, ~h.byteLength & 0xff, (~h.byteLength >> 8) & 0xff]);
  out.set(h, 7);
  // The content's deflate blocks (they never reach back before their own start), its final block last.
  out.set(z.subarray(2, z.byteLength - 4), 7 + h.byteLength);
  const tail = new DataView(z.buffer, z.byteOffset + z.byteLength - 4, 4).getUint32(0);
  new DataView(out.buffer).setUint32(out.byteLength - 4, adler32Combine(adler32(h), tail, s.rawSize));
  return out;
}

/** Converts a loose object to the pack-ready form (inflate + deflate: paid once per object). */
export function packedOf(loose: Uint8Array): PackReady {
  const wrapped = inflate(loose);
  const sp = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0);
  const type = TYPE_CODE[dec.decode(wrapped.subarray(0, sp))];
  const content = wrapped.subarray(nul + 1);
  if (!type || sp < 0 || nul < sp || Number(dec.decode(wrapped.subarray(sp + 1, nul))) !== content.byteLength) throw new Error('not a loose git object');
  return { fmt: 1, type, rawSize: content.byteLength, data: deflate(content, 6) };
}
