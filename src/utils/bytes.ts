/** Byte helpers shared by the body reader, git's object, index, pkt-line and pack code, and its HTTP client. */

/** The parts joined into one array (`size`, when the caller already counted it, saves a pass). */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((n, p) => n + p.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Bytewise order (memcmp, then the shorter first): git's order for index paths and tree names. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
const ascii = new TextDecoder();
const hexOut = new Uint8Array(128);

/**
 * Lowercase hex of `b` (an object id from its 20 raw bytes, say), as one flat string. Built by `+=` it would be a rope of ~40 pieces (~700
 * bytes for an object id instead of ~56) wherever it is kept unflattened: 20,000 parsed index
 * entries held ~40 MB that way.
 */
export function hex(b: Uint8Array): string {
  const out = b.byteLength * 2 <= hexOut.byteLength ? hexOut : new Uint8Array(b.byteLength * 2);
  return ascii.decode(out.subarray(0, writeHex(b, 0, b.byteLength, out, 0)));
}

/**
 * Writes the lowercase hex of `src[from..to)` into `out` at `at` as ASCII, returning the end: for
 * hex-encoding many ids into one buffer, decoded to a string once (no string per id).
 */
export function writeHex(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  for (let i = from; i < to; i++) {
    out[at++] = HEX_DIGITS[src[i] >> 4];
    out[at++] = HEX_DIGITS[src[i] & 15];
  }
  return at;
}

/** Nibble values by character code (0–9, a–f, A–F; anything else reads as 0). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** The bytes of a hex string, written into `out` at `at` (an object id into a tree or index entry, say). */
export function hexToBytes(h: string, out: Uint8Array = new Uint8Array(h.length >> 1), at = 0): Uint8Array {
  for (let i = 0; i < h.length >> 1; i++) out[at + i] = (NIBBLE[h.charCodeAt(2 * i) & 127] << 4) | NIBBLE[h.charCodeAt(2 * i + 1) & 127];
  return out;
}

/**
 * Reads `reader` to its end, or until more than `limit` bytes have arrived: then it stops (the
 * chunk that crossed the limit is not kept, only counted in `size`) and leaves cancelling or
 * draining to the caller.
 */
export async function collectUpTo(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
): Promise<{ chunks: Uint8Array[]; size: number; over: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { chunks, size, over: false };
    if (size + value.byteLength > limit) return { chunks, size: size + value.byteLength, over: true };
    size += value.byteLength;
    chunks.push(value);
  }
}

/** base64url of `b`, unpadded (RFC 4648 §5). */
export function b64url(b: Uint8Array): string {
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** `bytes` random bytes as base64url: a secret token, state or handle (32 bytes: 256 bits). */
export function randomToken(bytes = 32): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
