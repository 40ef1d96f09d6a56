/**
 * Reads a git smart-HTTP request body with a cap counted AFTER `Content-Encoding: gzip` is undone:
 * bytes are counted as they stream out of the inflater and reading stops at the cap, so a small
 * compressed bomb never becomes a large buffer; nothing past the cap is ever kept.
 */
import { collectUpTo, concatBytes } from '../utils/bytes';

type Refused = {
  ok: false;
  reason: 'too-large' | 'bad-encoding';
  /** The body's first bytes (receive-pack's command list, for a git-protocol refusal). */
  head: Uint8Array;
  /** Bytes the body holds: its declared length, or those counted while draining it. */
  size: number;
  /** False when the body was cut off at the drain ceiling (its size is then a lower bound). */
  whole: boolean;
};
type CappedBody = { ok: true; body: Uint8Array } | Refused;

/** Bytes kept of a refused body: enough for receive-pack's command lines (for a git-protocol error). */
const HEAD_BYTES = 64 * 1024;

/**
 * A refused uncompressed body is still read to its end (counted, dropped, never kept) up to this
 * ceiling, because native git reads the answer only after it has sent everything: a body cut off
 * earlier shows as `RPC failed; curl 55` instead of the refusal. It costs the Worker wall time (the
 * client's upload) and little CPU (one read per chunk), and nothing in the Repo DO. The ceiling is
 * 4× the limit but at least 1 GiB, the default MAX_REPO_BYTES: a push of any repository the
 * default budget admits still gets the message; past the ceiling the connection is cut.
 */
const drainCeiling = (limit: number) => Math.max(4 * limit, 1024 ** 3);

/**
 * `keepHead`: on refusal, return the body's first bytes and drain the rest (receive-pack answers
 * with git's own report from them). Without it a declared oversize body is refused unread, which
 * clients handle best for upload-pack (a body cut off mid-upload resets the connection under some).
 */
export async function readCapped(req: Request, limit: number, keepHead = false): Promise<CappedBody> {
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') return refused('bad-encoding', 0);
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (!req.body) return { ok: true, body: new Uint8Array() };
  const drain = encoding === 'identity' && keepHead;
  // Uncompressed, a declared length over the cap is refused after its first bytes only (they hold
  // receive-pack's command list); gzip is counted as it inflates.
  if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
    if (!keepHead) return refused('too-large', declared);
    const { head, size, whole } = await readHead(req.body.getReader(), [], 0, drainCeiling(limit));
    return { ...refused('too-large', Math.max(declared, size), head), whole };
  }
  const stream = encoding === 'identity' ? req.body : req.body.pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  let read: Awaited<ReturnType<typeof collectUpTo>>;
  try {
    read = await collectUpTo(reader, limit);
  } catch {
    // Truncated or corrupt gzip: the body cannot be read, which is the client's error.
    await reader.cancel().catch(() => {});
    return refused('bad-encoding', 0);
  }
  if (read.over) {
    if (drain) {
      const first = headOf(read.chunks);
      read.chunks.length = 0; // up to the limit of refused bytes: not held while the rest drains
      const { head, size, whole } = await readHead(reader, [first], read.size, drainCeiling(limit));
      return { ...refused('too-large', size, head), whole };
    }
    await reader.cancel().catch(() => {});
    // Gzip is not inflated any further (a bomb): its size is only known to pass the limit.
    return { ...refused('too-large', read.size, headOf(read.chunks)), whole: false };
  }
  return { ok: true, body: concatBytes(read.chunks, read.size) };
}

const refused = (reason: Refused['reason'], size: number, head: Uint8Array = new Uint8Array()): Refused => ({ ok: false, reason, head, size, whole: true });

/**
 * Keeps the first HEAD_BYTES of a body (after `chunks` already read), then counts and drops the
 * rest up to `ceiling` bytes in all; past it the body is cancelled.
 */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: Uint8Array[],
  size: number,
  ceiling: number,
): Promise<{ head: Uint8Array; size: number; whole: boolean }> {
  const kept = [...chunks];
  let n = size;
  try {
    while (n <= ceiling) {
      const { done, value } = await reader.read();
      if (done) return { head: headOf(kept), size: n, whole: true };
      if (n < HEAD_BYTES) kept.push(value);
      n += value.byteLength;
    }
  } catch {
    /* a broken body: whatever arrived is all there is */
    return { head: headOf(kept), size: n, whole: false };
  }
  await reader.cancel().catch(() => {});
  return { head: headOf(kept), size: n, whole: false };
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
