/**
 * Pack entries for upload-pack, read in batches so a clone costs a few queries per hundred
 * objects and memory stays bounded whatever the repository's size. Pack-ready rows are handed
 * out as stored; loose rows and R2-only objects are converted once (inflate + deflate) and kept
 * pack-ready, so the next clone streams them as stored too.
 */
import { deflate } from '../zlib';
import { EMPTY_TREE, type PackedObject, type PackReady, packedOf, TYPE_CODE } from './object-format';
import type { R2Objects } from './object-r2';
import { type MetaRow, type ObjectRows, ROW_MAX, stored } from './object-rows';

/** At most this many ids per query (DO SQLite binds ≤ 100)… */
const PACK_BATCH = 64;
/** …with the data of rows up to this size inline; larger rows are read in groups of ≤ PACK_BATCH_BYTES. */
const INLINE_MAX = 64 * 1024;
const PACK_BATCH_BYTES = 8 * 1024 * 1024;
/** Entries are handed out once this many bytes are ready (fewer awaits, while the stream starts early). */
const PACK_YIELD_BYTES = 256 * 1024;
const R2_PARALLEL = 16;

/**
 * Pack entries for `oids`, in order, yielded in batches: fmt 1 rows as stored; fmt 0 rows and
 * R2-only objects converted once and kept as fmt 1 (when they fit a row). One query per ≤ 64
 * ids returns the data of rows up to 64 KiB inline (nearly every object); larger rows are read
 * in groups of ≤ 8 MiB, R2 misses fetched in parallel, and objects too large for a row are
 * streamed from R2 (inflate → strip header → deflate) in a batch of their own.
 */
export async function* packEntries(rows: ObjectRows, r2: R2Objects, oids: string[]): AsyncGenerator<PackedObject[]> {
  let out: PackedObject[] = [];
  let outBytes = 0;
  for (let i = 0; i < oids.length; i += PACK_BATCH) {
    const batch = oids.slice(i, i + PACK_BATCH);
    const meta = rows.meta(batch, INLINE_MAX);
    const kind = (oid: string): 'ready' | 'huge' | 'empty' | 'convert' => {
      const r = meta.get(oid);
      if (!r) {
        if (oid === EMPTY_TREE) return 'empty'; // named by empty commits without ever being stored
        throw new Error(`object ${oid} is missing from the repository`);
      }
      if (r.data !== null && r.fmt === 1) return 'ready';
      return r.cold === 1 && r.size > ROW_MAX ? 'huge' : 'convert';
    };
    let j = 0;
    while (j < batch.length) {
      const k = kind(batch[j]);
      if (k === 'ready') {
        const r = meta.get(batch[j++])!;
        out.push({ oid: r.oid, type: r.type!, size: r.raw_size!, data: new Uint8Array(r.data!) });
        outBytes += r.size;
      } else if (k === 'empty') {
        out.push({ oid: batch[j++], type: TYPE_CODE.tree, size: 0, data: deflate(new Uint8Array(0)) });
      } else if (k === 'huge') {
        if (out.length) yield out;
        out = [];
        outBytes = 0;
        yield [await r2.stream(batch[j++])];
      } else {
        const group: MetaRow[] = [];
        let bytes = 0;
        for (; j < batch.length && kind(batch[j]) === 'convert'; j++) {
          const m = meta.get(batch[j])!;
          if (group.length && bytes + m.size > PACK_BATCH_BYTES) break;
          group.push(m);
          bytes += m.size;
        }
        if (outBytes + bytes > PACK_BATCH_BYTES && out.length) {
          yield out;
          out = [];
          outBytes = 0;
        }
        const got = await convert(rows, r2, group);
        for (const m of group) {
          const p = got.get(m.oid)!;
          out.push({ oid: m.oid, type: p.type, size: p.rawSize, data: p.data });
          outBytes += p.data.byteLength;
        }
      }
    }
    if (outBytes >= PACK_YIELD_BYTES || i + PACK_BATCH >= oids.length) {
      if (out.length) yield out;
      out = [];
      outBytes = 0;
    }
  }
}

/** Pack-ready forms of rows that are not (loose rows, large rows, R2-only), stored back as fmt 1. */
async function convert(rows: ObjectRows, r2: R2Objects, group: MetaRow[]): Promise<Map<string, PackReady>> {
  const out = new Map<string, PackReady>();
  const keep = (oid: string, p: PackReady, touch: boolean) => {
    rows.fillPacked(oid, p, touch);
    out.set(oid, p);
  };
  const cold: string[] = [];
  const large: string[] = [];
  for (const m of group) {
    if (m.cold) cold.push(m.oid);
    else if (m.data === null) large.push(m.oid);
    else keep(m.oid, packedOf(new Uint8Array(m.data)), false); // loose row
  }
  if (large.length) {
    for (const r of rows.rows(large)) {
      if (!r.data) cold.push(r.oid);
      else if (r.fmt === 1) out.set(r.oid, stored(r) as PackReady);
      else keep(r.oid, packedOf(new Uint8Array(r.data)), false);
    }
  }
  for (let k = 0; k < cold.length; k += R2_PARALLEL) {
    const part = cold.slice(k, k + R2_PARALLEL);
    const loose = await Promise.all(part.map((oid) => r2.get(oid)));
    part.forEach((oid, n) => keep(oid, packedOf(loose[n]), true));
  }
  return out;
}
