/**
 * Explodes a packfile (gitformat-pack(5)) into loose objects in the ObjectStore, in one pass
 * over the pack plus one pass over its deltas, with native sync zlib: no .idx is built and the
 * resolved contents are held only in a bounded LRU (a delta whose base was evicted is rebuilt
 * by re-inflating from the pack), so memory is the pack bytes plus the LRU budget.
 *
 * Thin packs (native `git push`) are supported: a REF_DELTA base missing from the pack is read
 * from the repository. The trailing SHA-1 is verified before anything is written.
 */
import type { Repo } from './repo';
import { deflate, inflateAt, sha1Hex, wrapObject } from './zlib';

const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;
const LRU_BYTES = 32 * 1024 * 1024;

interface Entry {
  type: number;
  dataAt: number;
  baseOffset?: number;
  baseOid?: string;
}
interface Resolved {
  type: string;
  content: Uint8Array;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** Applies a git delta (gitformat-pack(5) "deltified representation") to `base`. */
export function applyDelta(delta: Uint8Array, base: Uint8Array): Uint8Array {
  let at = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    let c: number;
    do {
      c = delta[at++];
      n += (c & 0x7f) * mul;
      mul *= 128;
    } while (c & 0x80);
    return n;
  };
  if (varint() !== base.byteLength) throw new Error('delta base size mismatch');
  const out = new Uint8Array(varint());
  let o = 0;
  while (at < delta.byteLength) {
    const op = delta[at++];
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += delta[at++] * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) size += delta[at++] * 2 ** (8 * i);
      if (size === 0) size = 0x10000;
      out.set(base.subarray(off, off + size), o);
      o += size;
    } else if (op > 0) {
      out.set(delta.subarray(at, at + op), o);
      o += op;
      at += op;
    } else throw new Error('invalid delta opcode 0');
  }
  if (o !== out.byteLength) throw new Error('delta result size mismatch');
  return out;
}

/** Writes every object of `pack` to the repository; returns how many were new. */
export async function explodePack(repo: Repo, pack: Uint8Array): Promise<number> {
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  if (pack.byteLength < 32 || view.getUint32(0) !== 0x5041434b) throw new Error('not a packfile');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new Error(`unsupported pack version ${version}`);
  if (sha1Hex(pack.subarray(0, pack.byteLength - 20)) !== hex(pack.subarray(pack.byteLength - 20))) throw new Error('pack checksum mismatch');
  const count = view.getUint32(8);
  const entries = new Map<number, Entry>();
  const oidAt = new Map<string, number>();
  const lru = new Map<number, Resolved>();
  let lruBytes = 0;
  const remember = (offset: number, r: Resolved) => {
    lru.set(offset, r);
    lruBytes += r.content.byteLength;
    for (const [k, v] of lru) {
      if (lruBytes <= LRU_BYTES) break;
      lru.delete(k);
      lruBytes -= v.content.byteLength;
    }
  };
  let written = 0;
  const store = async (offset: number, r: Resolved) => {
    const { oid, wrapped } = wrapObject(r.type, r.content);
    oidAt.set(oid, offset);
    if (!repo.objects.has(oid)) {
      await repo.objects.put(oid, deflate(wrapped, 6));
      written++;
    }
  };

  // Pass 1: walk the entries; whole objects are stored at once, deltas only located.
  let at = 12;
  const deltas: number[] = [];
  for (let i = 0; i < count; i++) {
    const offset = at;
    let c = pack[at++];
    const type = (c >> 4) & 7;
    while (c & 0x80) c = pack[at++]; // the size is implied by the inflated data
    const e: Entry = { type, dataAt: 0 };
    if (type === OFS_DELTA) {
      c = pack[at++];
      let ofs = c & 0x7f;
      while (c & 0x80) {
        c = pack[at++];
        ofs = (ofs + 1) * 128 + (c & 0x7f);
      }
      e.baseOffset = offset - ofs;
    } else if (type === REF_DELTA) {
      e.baseOid = hex(pack.subarray(at, at + 20));
      at += 20;
    } else if (!TYPES[type]) throw new Error(`invalid object type ${type} at ${offset}`);
    e.dataAt = at;
    const { data, consumed } = inflateAt(pack, at);
    at += consumed;
    entries.set(offset, e);
    if (type === OFS_DELTA || type === REF_DELTA) deltas.push(offset);
    else {
      const r = { type: TYPES[type], content: data };
      remember(offset, r);
      await store(offset, r);
    }
  }

  const resolve = async (offset: number): Promise<Resolved> => {
    const hit = lru.get(offset);
    if (hit) return hit;
    const e = entries.get(offset);
    if (!e) throw new Error(`delta base at ${offset} is not in the pack`);
    const data = inflateAt(pack, e.dataAt).data;
    let r: Resolved;
    if (e.baseOffset !== undefined) {
      const base = await resolve(e.baseOffset);
      r = { type: base.type, content: applyDelta(data, base.content) };
    } else if (e.baseOid !== undefined) {
      const inPack = oidAt.get(e.baseOid);
      const base = inPack !== undefined ? await resolve(inPack) : await repo.readRaw(e.baseOid);
      r = { type: base.type, content: applyDelta(data, base.content) };
    } else r = { type: TYPES[e.type], content: data };
    remember(offset, r);
    return r;
  };

  // Pass 2: resolve deltas. A REF_DELTA may name a base that is itself a delta later in the
  // pack (its id is only known once resolved), so unresolvable ones are retried each round.
  let pending = deltas;
  while (pending.length) {
    const later: number[] = [];
    for (const offset of pending) {
      const e = entries.get(offset)!;
      if (e.baseOid !== undefined && !oidAt.has(e.baseOid) && !repo.objects.has(e.baseOid)) {
        later.push(offset);
        continue;
      }
      await store(offset, await resolve(offset));
    }
    if (later.length === pending.length) throw new Error(`pack has ${later.length} unresolvable delta(s), e.g. base ${entries.get(later[0])!.baseOid}`);
    pending = later;
  }
  return written;
}
