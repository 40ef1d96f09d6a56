/**
 * pkt-line framing of git's wire protocol (gitprotocol-common(5)): a 4-hex-digit length that
 * counts itself, then the payload; `0000` is a flush packet.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export const FLUSH = enc.encode('0000');

export function pkt(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  const out = new Uint8Array(body.byteLength + 4);
  out.set(enc.encode((body.byteLength + 4).toString(16).padStart(4, '0')));
  out.set(body, 4);
  return out;
}

interface PktRead {
  /** Payloads (trailing newline removed); null marks a flush packet. */
  lines: (string | null)[];
  /** Offset just after the last packet read. */
  end: number;
}

/**
 * Reads packets from `buf` until `stop` returns true for a packet (flush = null), or the data
 * ends. Throws on a malformed length.
 */
export function readPkts(buf: Uint8Array, stop: (line: string | null) => boolean = () => false, from = 0): PktRead {
  const lines: (string | null)[] = [];
  let at = from;
  while (at + 4 <= buf.byteLength) {
    const len = parseInt(dec.decode(buf.subarray(at, at + 4)), 16);
    if (Number.isNaN(len) || (len > 0 && len < 4) || at + Math.max(len, 4) > buf.byteLength) throw new Error('malformed pkt-line');
    const line = len === 0 ? null : dec.decode(buf.subarray(at + 4, at + len)).replace(/\n$/, '');
    at += len === 0 ? 4 : len;
    lines.push(line);
    if (stop(line)) break;
  }
  return { lines, end: at };
}

const BAND_MAX = 65515; // 65520 max packet − 4 length bytes − 1 band byte

/** Wraps data in side-band packets of `band` (1 = data, 2 = progress, 3 = error). */
export function sideband(data: Uint8Array, band = 1, max = BAND_MAX): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += max) {
    const part = data.subarray(at, at + max);
    const payload = new Uint8Array(part.byteLength + 1);
    payload[0] = band;
    payload.set(part, 1);
    out.push(pkt(payload));
  }
  return out;
}
