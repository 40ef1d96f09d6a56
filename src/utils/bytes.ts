/** Byte helpers shared by the body reader, git's pkt-line and pack writers, and its HTTP client. */

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
