/**
 * Reads a request body with a hard size limit (default 4 MiB): never buffers more than the limit,
 * whatever Content-Length claims. Returns null when the limit is exceeded (caller answers 413).
 */
import { collectUpTo, concatBytes } from '../utils/bytes';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function readLimited(req: Request, limit = MAX_BODY_BYTES): Promise<string | null> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return '';
  // A declared length within the limit bounds the body (HTTP framing: the runtime delivers at most
  // Content-Length bytes), so it is read in one native call; a chunked body is counted as it comes.
  if (Number.isFinite(declared)) {
    const text = await req.text();
    return text.length > limit ? null : text; // a constructed Request may carry any header: check anyway
  }
  const reader = req.body.getReader();
  const r = await collectUpTo(reader, limit);
  if (r.over) {
    await reader.cancel().catch(() => {});
    return null;
  }
  return new TextDecoder().decode(concatBytes(r.chunks, r.size));
}
