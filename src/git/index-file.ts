/**
 * A parser of `.git/index` (versions 2 and 3, the ones isomorphic-git and git write by default),
 * used by status and the diffs to see the whole index in one pass instead of one isomorphic-git
 * index acquisition per file. The writers are index-write.ts (add, rm, reset) and isomorphic-git
 * (checkout, merge); both write version 2, which this reads.
 */
import { hex } from '../utils/bytes';

export interface IndexEntry {
  path: string;
  oid: string;
  mode: number;
  stage: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
}

const dec = new TextDecoder();

/** Stage-0 entries by path (conflict stages 1–3 are reported in `unmerged`). */
export interface ParsedIndex {
  entries: Map<string, IndexEntry>;
  unmerged: Set<string>;
}

export function parseIndex(buf: Uint8Array): ParsedIndex {
  const entries = new Map<string, IndexEntry>();
  const unmerged = new Set<string>();
  if (buf.byteLength === 0) return { entries, unmerged };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dec.decode(buf.subarray(0, 4)) !== 'DIRC') throw new Error('invalid index file: bad signature');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new Error(`unsupported index version ${version}`);
  const count = view.getUint32(8);
  let at = 12;
  for (let i = 0; i < count; i++) {
    const u32 = (k: number) => view.getUint32(at + k * 4);
    const flags = view.getUint16(at + 60);
    const extended = (flags & 0x4000) !== 0;
    const nameStart = at + 62 + (extended ? 2 : 0);
    let nameEnd = nameStart;
    while (buf[nameEnd] !== 0) nameEnd++;
    const entry: IndexEntry = {
      path: dec.decode(buf.subarray(nameStart, nameEnd)),
      oid: hex(buf.subarray(at + 40, at + 60)),
      mode: u32(6),
      stage: (flags >> 12) & 3,
      ctimeSeconds: u32(0),
      ctimeNanoseconds: u32(1),
      mtimeSeconds: u32(2),
      mtimeNanoseconds: u32(3),
      dev: u32(4),
      ino: u32(5),
      uid: u32(7),
      gid: u32(8),
      size: u32(9),
    };
    if (entry.stage === 0) entries.set(entry.path, entry);
    else unmerged.add(entry.path);
    at += Math.ceil((nameEnd - at + 1) / 8) * 8;
  }
  return { entries, unmerged };
}
