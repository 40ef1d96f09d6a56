/**
 * Reads a git smart-HTTP request body with a cap counted AFTER `Content-Encoding: gzip` is undone:
 * bytes are counted as they stream out of the inflater and reading stops at the cap, so a small
 * compressed bomb never becomes a large buffer; nothing past the cap is ever kept.
 */
import { collectUpTo, concatBytes } from '../utils/bytes';

type CappedBody = { ok: true; body: Uint8Array } | { ok: false; reason: 'too-large' | 'bad-encoding'; head: Uint8Array };

/** Bytes kept of a refused body: enough for receive-pack's command lines (for a git-protocol error). */
const HEAD_BYTES = 64 * 1024;
/**
 * After refusing an uncompressed body, up to this many more bytes are read and dropped so a client
 * still sending (git pushes over 1 MiB chunked) finishes and reads the refusal instead of having
 * its connection reset; past it the body is cancelled. Never inflated, never kept.
 */
const DRAIN_BYTES = 32 * 1024 * 1024;

/**
 * `keepHead`: on refusal, return the body's first bytes (receive-pack answers with git's own error
 * line from them). Without it a declared oversize body is refused unread, which clients handle
 * best (a body cut off mid-upload resets the connection under some of them).
 */
export async function readCapped(req: Request, limit: number, keepHead = false): Promise<CappedBody> {
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') return { ok: false, reason: 'bad-encoding', head: new Uint8Array() };
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (!req.body) return { ok: true, body: new Uint8Array() };
  // Uncompressed, a declared length over the cap is refused after its first bytes only (they hold
  // receive-pack's command list); gzip is counted as it inflates.
  if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
    return { ok: false, reason: 'too-large', head: keepHead ? await readHead(req.body) : new Uint8Array() };
  }
  const stream = encoding === 'identity' ? req.body : req.body.pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  let read: Awaited<ReturnType<typeof collectUpTo>>;
  try {
    read = await collectUpTo(reader, limit);
  } catch {
    // Truncated or corrupt gzip: the body cannot be read, which is the client's error.
    await reader.cancel().catch(() => {});
    return { ok: false, reason: 'bad-encoding', head: new Uint8Array() };
  }
  if (read.over) {
    if (encoding === 'identity' && keepHead) await drain(reader);
    else await reader.cancel().catch(() => {});
    return { ok: false, reason: 'too-large', head: headOf(read.chunks) };
  }
  return { ok: true, body: concatBytes(read.chunks, read.size) };
}

async function readHead(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
    await drain(reader);
  } catch {
    /* a broken body: whatever arrived is the head */
  }
  return headOf(chunks);
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (let n = 0; n < DRAIN_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      n += value.byteLength;
    }
  } catch {
    return;
  }
  await reader.cancel().catch(() => {});
}

function headOf(chunks: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const c of chunks) {
    if (n >= HEAD_BYTES) break;
    parts.push(c.subarray(0, HEAD_BYTES - n));
    n += parts[parts.length - 1].byteLength;
  }
  return concatBytes(parts, n);
}
