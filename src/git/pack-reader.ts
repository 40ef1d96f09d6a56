/**
 * Explodes a packfile (gitformat-pack(5)) into loose objects in the ObjectStore, with native sync
 * zlib: no .idx is built and the resolved contents are held only in a bounded LRU (a delta whose
 * base was evicted is rebuilt by re-inflating from the pack), so memory is the pack bytes plus the
 * LRU budget.
 *
 * A pack is untrusted input (native `git push`, a remote's clone/fetch), so it is read twice: a
 * checking pass that resolves every object and writes nothing, then the writing pass. Anything
 * wrong — an object inflating past its declared size, a delta result past its declared size or
 * copying outside its base, a delta chain deeper than MAX_DELTA_DEPTH, an ofs-delta pointing at
 * itself or forward, a base that never resolves, more inflated bytes than `maxTotalBytes` —
 * throws a GitLimitError (400 malformed, 413 too large) before a single object is stored.
 *
 * Thin packs (native `git push`) are supported: a REF_DELTA base missing from the pack is read
 * from the repository. The trailing SHA-1 is verified first.
 */

import { hex } from '../utils/bytes';
import { Lru } from '../utils/lru';
import { GitLimitError, MAX_DELTA_DEPTH, MAX_OBJECT_BYTES } from './limits';
import type { Repo } from './repo';
import { TYPE_NAME } from './storage/object-format';
import { deflate, inflateAt, sha1Hex, wrapObject } from './zlib';

const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Resolved contents kept for delta bases: with the pack itself (≤ GIT_MAX_PUSH_BYTES) in a 128 MB isolate. */
const LRU_BYTES = 16 * 1024 * 1024;

interface Entry {
  type: number;
  size: number;
  dataAt: number;
  baseOffset?: number;
  baseOid?: string;
}
interface Resolved {
  type: string;
  content: Uint8Array;
}

interface PackLimits {
  /** Bytes every object of the pack may inflate to, together (default: unbounded). */
  maxTotalBytes?: number;
}

const malformed = (m: string) => new GitLimitError(`malformed pack: ${m}`, 400);

/** Applies a git delta (gitformat-pack(5) "deltified representation") to `base`, within its declared sizes. */
function applyDelta(delta: Uint8Array, base: Uint8Array): Uint8Array {
  let at = 0;
  const byte = () => {
    if (at >= delta.byteLength) throw malformed('delta ends inside an instruction');
    return delta[at++];
  };
  const varint = () => {
    let n = 0;
    let mul = 1;
    let c: number;
    do {
      c = byte();
      n += (c & 0x7f) * mul;
      mul *= 128;
    } while (c & 0x80 && mul < 2 ** 49);
    return n;
  };
  if (varint() !== base.byteLength) throw malformed('delta base size mismatch');
  const size = varint();
  if (size > MAX_OBJECT_BYTES)
    throw new GitLimitError(`pack refused: a delta declares a ${size}-byte result, over the ${MAX_OBJECT_BYTES}-byte object limit`, 413);
  const out = new Uint8Array(size);
  let o = 0;
  while (at < delta.byteLength) {
    const op = delta[at++];
    if (op & 0x80) {
      let off = 0;
      let n = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += byte() * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) n += byte() * 2 ** (8 * i);
      if (n === 0) n = 0x10000;
      if (off + n > base.byteLength) throw malformed('delta copies from outside its base');
      if (o + n > size) throw malformed('delta result exceeds its declared size');
      out.set(base.subarray(off, off + n), o);
      o += n;
    } else if (op > 0) {
      if (at + op > delta.byteLength) throw malformed('delta ends inside an insert');
      if (o + op > size) throw malformed('delta result exceeds its declared size');
      out.set(delta.subarray(at, at + op), o);
      o += op;
      at += op;
    } else throw malformed('invalid delta opcode 0');
  }
  if (o !== size) throw malformed('delta result is shorter than its declared size');
  return out;
}

/** Checks `pack` whole, then writes every object of it to the repository; returns how many were new. */
export async function explodePack(repo: Repo, pack: Uint8Array, limits: PackLimits = {}): Promise<number> {
  await walkPack(repo, pack, limits, false);
  return walkPack(repo, pack, limits, true);
}

/** One pass over the pack: resolves (and, when `write`, stores) every object; throws on anything wrong. */
async function walkPack(repo: Repo, pack: Uint8Array, limits: PackLimits, write: boolean): Promise<number> {
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  if (pack.byteLength < 32 || view.getUint32(0) !== 0x5041434b) throw malformed('not a packfile');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw malformed(`unsupported pack version ${version}`);
  const end = pack.byteLength - 20;
  if (sha1Hex(pack.subarray(0, end)) !== hex(pack.subarray(end))) throw malformed('pack checksum mismatch');
  const count = view.getUint32(8);
  if (count > end) throw malformed(`pack claims ${count} objects in ${pack.byteLength} bytes`);
  const maxTotal = limits.maxTotalBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const produced = (n: number) => {
    total += n;
    if (total > maxTotal) throw new GitLimitError(`pack refused: its objects inflate to more than ${maxTotal} bytes (MAX_REPO_BYTES)`, 413);
  };
  const entries = new Map<number, Entry>();
  const depths = new Map<number, number>();
  const oidAt = new Map<string, number>();
  // Resolved contents by offset. Each offset is stored once and hits do not refresh it (`peek`),
  // so eviction is in resolution order: the delta-chain checks below see the same hits and misses
  // as they always have.
  const lru = new Lru<number, Resolved>({ maxWeight: LRU_BYTES, weigh: (r) => r.content.byteLength });
  const remember = (offset: number, r: Resolved) => lru.set(offset, r);
  let written = 0;
  const store = async (offset: number, r: Resolved) => {
    const { oid, wrapped } = wrapObject(r.type, r.content);
    oidAt.set(oid, offset);
    if (write && !repo.objects.has(oid)) {
      await repo.objects.put(oid, deflate(wrapped, 6));
      written++;
    }
  };
  /** Inflates an entry's data, refusing output beyond (or short of) its declared size. */
  const inflateEntry = (e: Entry, offset: number) => {
    let r: { data: Uint8Array; consumed: number };
    try {
      r = inflateAt(pack, e.dataAt, e.size);
    } catch (err) {
      if (err instanceof RangeError) throw new GitLimitError(`pack refused: the object at offset ${offset} inflates past its declared ${e.size} bytes`, 413);
      throw malformed(`the object at offset ${offset} is not valid zlib data`);
    }
    if (r.data.byteLength !== e.size) throw malformed(`the object at offset ${offset} inflates to ${r.data.byteLength} bytes, not its declared ${e.size}`);
    return r;
  };

  // Pass 1: walk the entries; whole objects are resolved at once, deltas only located.
  let at = 12;
  const deltas: number[] = [];
  const byte = () => {
    if (at >= end) throw malformed('entry header runs past the end of the pack');
    return pack[at++];
  };
  for (let i = 0; i < count; i++) {
    const offset = at;
    let c = byte();
    const type = (c >> 4) & 7;
    let size = c & 15;
    for (let shift = 4; c & 0x80; shift += 7) {
      c = byte();
      size += (c & 0x7f) * 2 ** shift;
      if (shift > 49) throw malformed(`object size at offset ${offset} is too long`);
    }
    if (size > MAX_OBJECT_BYTES)
      throw new GitLimitError(`pack refused: the object at offset ${offset} declares ${size} bytes, over the ${MAX_OBJECT_BYTES}-byte object limit`, 413);
    const e: Entry = { type, size, dataAt: 0 };
    if (type === OFS_DELTA) {
      c = byte();
      let ofs = c & 0x7f;
      while (c & 0x80) {
        c = byte();
        ofs = (ofs + 1) * 128 + (c & 0x7f);
      }
      // A base must be an earlier entry: offset 0 would be the delta itself (a cycle).
      if (ofs === 0 || !entries.has(offset - ofs)) throw malformed(`ofs-delta at offset ${offset} does not point at an earlier object`);
      e.baseOffset = offset - ofs;
      const base = entries.get(e.baseOffset)!;
      depths.set(offset, (depths.get(e.baseOffset) ?? 0) + 1); // a lower bound while ref-delta depths are unknown
      if (base.type >= OFS_DELTA && depths.get(offset)! > MAX_DELTA_DEPTH) throw chainTooDeep(offset);
    } else if (type === REF_DELTA) {
      if (at + 20 > end) throw malformed('entry header runs past the end of the pack');
      e.baseOid = hex(pack.subarray(at, at + 20));
      at += 20;
      depths.set(offset, 1);
    } else if (!TYPE_NAME[type]) throw malformed(`invalid object type ${type} at offset ${offset}`);
    e.dataAt = at;
    const { data, consumed } = inflateEntry(e, offset);
    at += consumed;
    entries.set(offset, e);
    if (type === OFS_DELTA || type === REF_DELTA) deltas.push(offset);
    else {
      produced(data.byteLength);
      const r = { type: TYPE_NAME[type], content: data };
      remember(offset, r);
      await store(offset, r);
    }
  }
  if (at !== end) throw malformed(`${end - at} bytes of trailing data after the last object`);

  const resolve = async (offset: number, chain: number): Promise<Resolved> => {
    const hit = lru.peek(offset);
    if (hit) return hit;
    const e = entries.get(offset)!;
    if (chain > MAX_DELTA_DEPTH) throw chainTooDeep(offset);
    const data = inflateEntry(e, offset).data;
    if (e.baseOffset === undefined && e.baseOid === undefined) {
      const r = { type: TYPE_NAME[e.type], content: data };
      remember(offset, r);
      return r;
    }
    const inPack = e.baseOffset ?? oidAt.get(e.baseOid!);
    const base = inPack !== undefined ? await resolve(inPack, chain + 1) : await repo.readRaw(e.baseOid!);
    const depth = (inPack !== undefined ? (depths.get(inPack) ?? 0) : 0) + 1;
    if (depth > MAX_DELTA_DEPTH) throw chainTooDeep(offset);
    depths.set(offset, depth);
    const r = { type: base.type, content: applyDelta(data, base.content) };
    remember(offset, r);
    return r;
  };

  // Pass 2: resolve deltas. A REF_DELTA may name a base that is itself a delta later in the
  // pack (its id is only known once resolved), so unresolvable ones are retried each round; a
  // base that never appears (missing, or the delta's own result) ends the loop with an error.
  let pending = deltas;
  while (pending.length) {
    const later: number[] = [];
    for (const offset of pending) {
      const e = entries.get(offset)!;
      if (e.baseOid !== undefined && !oidAt.has(e.baseOid) && !repo.objects.has(e.baseOid)) {
        later.push(offset);
        continue;
      }
      const r = await resolve(offset, 1);
      produced(r.content.byteLength);
      await store(offset, r);
    }
    if (later.length === pending.length)
      throw malformed(`${later.length} delta(s) name a base that is neither in the pack nor in the repository, e.g. ${entries.get(later[0])!.baseOid}`);
    pending = later;
  }
  return written;
}

function chainTooDeep(offset: number): GitLimitError {
  return new GitLimitError(`pack refused: the delta chain at offset ${offset} is deeper than ${MAX_DELTA_DEPTH}`, 400);
}
