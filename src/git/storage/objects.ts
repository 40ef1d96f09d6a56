/**
 * ObjectStore: git objects of one repository. R2 is the durable, unbounded store; the DO's
 * SQLite is a write-behind buffer and a bounded hot cache; a memory LRU keeps repeated reads
 * inside one isolate off SQLite.
 *
 * Layout:
 *   R2      `${tenant}/${repo}/objects/${oid[0..2]}/${oid[2..]}` — the zlib-deflated loose object,
 *           exactly git's loose format. Content-addressed: written once, never rewritten, so no
 *           key is ever hot (R2 allows ~1 write/s per key).
 *   SQLite  objects(oid PK, size, pending, used_at, data, fmt, type, raw_size) — one row per
 *           object the repo knows (so `has` and short-sha expansion never touch R2); `data` NULL =
 *           only in R2. `fmt` says what `data` holds (migrations/0102):
 *             0  the loose object, as in R2;
 *             1  pack-ready: zlib(content) — a pack entry's data as is — with `type` (pack type
 *                code) and `raw_size` (content bytes) for the entry header.
 *           The loose form is rebuilt from fmt 1 without recompressing (`looseOf`: a zlib header,
 *           one stored deflate block holding "<type> <size>\0", the content's deflate blocks, and
 *           the Adler-32 of the whole combined from the two parts), so fmt 1 is the only copy kept.
 *
 * Pack-ready form: upload-pack (`packed`) streams fmt 1 bytes as they are stored — no inflate,
 * no deflate per object per clone. Objects are written as fmt 0 (a commit pays nothing extra) and
 * converted once (inflate + deflate): by `flush` right after their copy to R2, or by the first
 * `packed` read that meets them (objects stored before 0102, or read back from R2).
 *
 * Write path: `put` stores the row with pending=1 and returns — a commit costs SQLite writes
 * only. `flush` (the DO alarm, retried until it succeeds) copies pending rows to R2 and clears
 * `pending`. Objects whose deflated form exceeds ROW_MAX go straight to R2 and are never cached
 * in SQLite. Trade-off: for a few seconds a new object exists only in SQLite, which is itself
 * durable (replicated) storage, so nothing is lost if the isolate dies.
 * Eviction (`flush` again): when cached bytes exceed `cacheBytes`, the least recently used
 * non-pending rows drop their data (never the row).
 */
import { Lru } from '../../utils/lru';
import { deflate, inflate } from '../zlib';

const ROW_MAX = 1_800_000;
const FLUSH_BATCH = 128;
const FLUSH_PARALLEL = 16;
const TOUCH_MS = 3_600_000;
/** `packed` reads rows in batches: at most this many ids per query (DO SQLite binds ≤ 100)… */
const PACK_BATCH = 64;
/** …with the data of rows up to this size inline; larger rows are read in groups of ≤ PACK_BATCH_BYTES. */
const INLINE_MAX = 64 * 1024;
const PACK_BATCH_BYTES = 8 * 1024 * 1024;
/** Entries are handed out once this many bytes are ready (fewer awaits, while the stream starts early). */
const PACK_YIELD_BYTES = 256 * 1024;
const R2_PARALLEL = 16;
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Pack type codes (gitformat-pack(5)). */
export const TYPE_CODE: Readonly<Record<string, number>> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const TYPE_NAME = ['', 'commit', 'tree', 'blob', 'tag'];

/** A stored row's data: fmt 0 = loose object (type/rawSize unknown: 0); fmt 1 = zlib(content). */
interface Stored {
  fmt: 0 | 1;
  type: number;
  rawSize: number;
  data: Uint8Array;
}

/** One pack entry: its header fields and zlib(content), in memory or (large R2 objects) streamed. */
export interface PackedObject {
  oid: string;
  type: number;
  size: number;
  data?: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
}

type Row = {
  oid: string;
  fmt: number;
  type: number | null;
  raw_size: number | null;
  data: ArrayBuffer | null;
};
type MetaRow = Row & { size: number; cold: number };

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Adler-32 of `b` continuing from `a`. */
function adler32(b: Uint8Array, a = 1): number {
  let s1 = a & 0xffff;
  let s2 = a >>> 16;
  for (const x of b) {
    s1 = (s1 + x) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

/** Adler-32 of A‖B from adler(A), adler(B) and |B| (zlib's adler32_combine). */
function adler32Combine(a1: number, a2: number, len2: number): number {
  const BASE = 65521;
  const rem = len2 % BASE;
  let sum1 = a1 & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (a2 & 0xffff) + BASE - 1;
  sum2 += (a1 >>> 16) + (a2 >>> 16) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE * 2) sum2 -= BASE * 2;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

const headerOf = (type: number, rawSize: number) => enc.encode(`${TYPE_NAME[type]} ${rawSize}\0`);

/** The loose object (zlib of header + content) of a stored row, rebuilt from fmt 1 without recompressing. */
export function looseOf(s: Stored): Uint8Array {
  if (s.fmt === 0) return s.data;
  const z = s.data;
  const h = headerOf(s.type, s.rawSize);
  const out = new Uint8Array(z.byteLength + h.byteLength + 5);
  // zlib header (deflate, 32 KiB window), then a non-final stored block with the object header.
  out.set([0x78, 0x01, 0x00, h.byteLength & 0xff, h.byteLength >> 8, ~h.byteLength & 0xff, (~h.byteLength >> 8) & 0xff]);
  out.set(h, 7);
  // The content's deflate blocks (they never reach back before their own start), its final block last.
  out.set(z.subarray(2, z.byteLength - 4), 7 + h.byteLength);
  const tail = new DataView(z.buffer, z.byteOffset + z.byteLength - 4, 4).getUint32(0);
  new DataView(out.buffer).setUint32(out.byteLength - 4, adler32Combine(adler32(h), tail, s.rawSize));
  return out;
}

/** Converts a loose object to the pack-ready form (inflate + deflate: paid once per object). */
export function packedOf(loose: Uint8Array): Stored & { fmt: 1 } {
  const wrapped = inflate(loose);
  const sp = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0);
  const type = TYPE_CODE[dec.decode(wrapped.subarray(0, sp))];
  const content = wrapped.subarray(nul + 1);
  if (!type || sp < 0 || nul < sp || Number(dec.decode(wrapped.subarray(sp + 1, nul))) !== content.byteLength) throw new Error('not a loose git object');
  return { fmt: 1, type, rawSize: content.byteLength, data: deflate(content, 6) };
}

function stored(r: Row): Stored {
  const data = new Uint8Array(r.data!);
  return r.fmt === 1 ? { fmt: 1, type: r.type!, rawSize: r.raw_size!, data } : { fmt: 0, type: 0, rawSize: 0, data };
}

export interface ObjectStoreOptions {
  /** Byte budget of the memory LRU (per isolate). */
  memoryBytes?: number;
  /** Byte budget of object data cached in SQLite. */
  cacheBytes?: number;
  /** Called after a pending write so the owner can arm the flush alarm. */
  onPending?: () => void;
}

export class ObjectStore {
  #sql: SqlStorage;
  #lru: Lru<string, Stored>;
  #memoryBytes: number;
  #cacheBytes: number;

  constructor(
    storage: DurableObjectStorage,
    private readonly bucket: R2Bucket,
    private readonly prefix: string,
    private readonly opts: ObjectStoreOptions = {},
  ) {
    this.#sql = storage.sql;
    this.#memoryBytes = opts.memoryBytes ?? 32 * 1024 * 1024;
    this.#lru = new Lru({ maxWeight: this.#memoryBytes, weigh: (s) => s.data.byteLength });
    this.#cacheBytes = opts.cacheBytes ?? 1024 * 1024 * 1024;
  }

  key(oid: string): string {
    return `${this.prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  has(oid: string): boolean {
    return this.#lru.has(oid) || this.#sql.exec(`SELECT 1 FROM objects WHERE oid = ?`, oid).toArray().length > 0;
  }

  /** Size of the deflated loose object, or undefined when unknown. */
  size(oid: string): number | undefined {
    const hit = this.#lru.peek(oid);
    if (hit) return hit.fmt === 0 ? hit.data.byteLength : hit.data.byteLength + headerOf(hit.type, hit.rawSize).byteLength + 5;
    const r = this.#sql.exec<{ size: number; fmt: number; type: number | null; raw_size: number | null }>(`SELECT size, fmt, type, raw_size FROM objects WHERE oid = ?`, oid).toArray()[0];
    if (!r) return undefined;
    return r.fmt === 1 ? r.size + headerOf(r.type!, r.raw_size!).byteLength + 5 : r.size;
  }

  /** Object ids starting with a 2-hex prefix (a loose-object directory listing). */
  list(prefix2: string): string[] {
    const hi = prefix2.slice(0, 1) + String.fromCharCode(prefix2.charCodeAt(1) + 1);
    return this.#sql.exec<{ oid: string }>(`SELECT oid FROM objects WHERE oid >= ? AND oid < ?`, prefix2, hi).toArray().map((r) => r.oid);
  }

  /** The deflated loose object, or null when the repository does not have it. */
  async get(oid: string): Promise<Uint8Array | null> {
    const hit = this.#lru.get(oid);
    if (hit) return looseOf(hit);
    const row = this.#sql.exec<Row & { used_at: number }>(`SELECT oid, fmt, type, raw_size, data, used_at FROM objects WHERE oid = ?`, oid).toArray()[0];
    if (!row) return null;
    if (row.data) {
      const now = Date.now();
      if (now - row.used_at > TOUCH_MS) this.#sql.exec(`UPDATE objects SET used_at = ? WHERE oid = ?`, now, oid);
      return looseOf(this.#remember(oid, stored(row)));
    }
    const data = await this.#fromR2(oid);
    if (data.byteLength <= ROW_MAX) this.#sql.exec(`UPDATE objects SET data = ?, fmt = 0, size = ?, used_at = ? WHERE oid = ?`, data, data.byteLength, Date.now(), oid);
    return looseOf(this.#remember(oid, { fmt: 0, type: 0, rawSize: 0, data }));
  }

  async #fromR2(oid: string): Promise<Uint8Array> {
    const obj = await this.bucket.get(this.key(oid));
    if (!obj) throw new Error(`object ${oid} is missing from R2 (${this.key(oid)})`);
    return new Uint8Array(await obj.arrayBuffer());
  }

  /**
   * Pack entries for `oids`, in order, for upload-pack, yielded in batches: fmt 1 rows as stored;
   * fmt 0 rows and R2-only objects converted once and kept as fmt 1 (when they fit a row). One
   * query per ≤ 64 ids returns the data of rows up to 64 KiB inline (nearly every object); larger
   * rows are read in groups of ≤ 8 MiB, R2 misses fetched in parallel, and objects too large for
   * a row are streamed from R2 (inflate → strip header → deflate) in a batch of their own, so
   * memory stays bounded whatever the repository's size. The memory LRU is left alone.
   */
  async *packed(oids: string[]): AsyncGenerator<PackedObject[]> {
    let out: PackedObject[] = [];
    let outBytes = 0;
    for (let i = 0; i < oids.length; i += PACK_BATCH) {
      const batch = oids.slice(i, i + PACK_BATCH);
      const rows = new Map(
        this.#sql
          .exec<MetaRow>(
            `SELECT oid, size, fmt, type, raw_size, data IS NULL AS cold, CASE WHEN size <= ${INLINE_MAX} THEN data END AS data
             FROM objects WHERE oid IN (${batch.map(() => '?').join(',')})`,
            ...batch,
          )
          .toArray()
          .map((r) => [r.oid, r]),
      );
      const kind = (oid: string): 'ready' | 'huge' | 'empty' | 'convert' => {
        const r = rows.get(oid);
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
          const r = rows.get(batch[j++])!;
          out.push({ oid: r.oid, type: r.type!, size: r.raw_size!, data: new Uint8Array(r.data!) });
          outBytes += r.size;
        } else if (k === 'empty') {
          out.push({ oid: batch[j++], type: 2, size: 0, data: deflate(new Uint8Array(0)) });
        } else if (k === 'huge') {
          if (out.length) yield out;
          out = [];
          outBytes = 0;
          yield [await this.#streamFromR2(batch[j++])];
        } else {
          const group: MetaRow[] = [];
          let bytes = 0;
          for (; j < batch.length && kind(batch[j]) === 'convert'; j++) {
            const m = rows.get(batch[j])!;
            if (group.length && bytes + m.size > PACK_BATCH_BYTES) break;
            group.push(m);
            bytes += m.size;
          }
          if (outBytes + bytes > PACK_BATCH_BYTES && out.length) {
            yield out;
            out = [];
            outBytes = 0;
          }
          const got = await this.#convert(group);
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
  async #convert(group: MetaRow[]): Promise<Map<string, Stored & { fmt: 1 }>> {
    const out = new Map<string, Stored & { fmt: 1 }>();
    const keep = (oid: string, p: Stored & { fmt: 1 }, touch: boolean) => {
      if (p.data.byteLength <= ROW_MAX) {
        this.#sql.exec(
          `UPDATE objects SET data = ?, fmt = 1, type = ?, raw_size = ?, size = ?${touch ? ', used_at = ?' : ''} WHERE oid = ?`,
          ...[p.data, p.type, p.rawSize, p.data.byteLength, ...(touch ? [Date.now()] : []), oid],
        );
      }
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
      for (const r of this.#sql.exec<Row>(`SELECT oid, fmt, type, raw_size, data FROM objects WHERE oid IN (${large.map(() => '?').join(',')})`, ...large).toArray()) {
        if (!r.data) cold.push(r.oid);
        else if (r.fmt === 1) out.set(r.oid, stored(r) as Stored & { fmt: 1 });
        else keep(r.oid, packedOf(new Uint8Array(r.data)), false);
      }
    }
    for (let k = 0; k < cold.length; k += R2_PARALLEL) {
      const part = cold.slice(k, k + R2_PARALLEL);
      const loose = await Promise.all(part.map((oid) => this.#fromR2(oid)));
      part.forEach((oid, n) => keep(oid, packedOf(loose[n]), true));
    }
    return out;
  }

  /** A large R2-only object as a pack entry: R2 body → inflate → drop "<type> <size>\0" → deflate. */
  async #streamFromR2(oid: string): Promise<PackedObject> {
    const obj = await this.bucket.get(this.key(oid));
    if (!obj) throw new Error(`object ${oid} is missing from R2 (${this.key(oid)})`);
    const reader = obj.body.pipeThrough(new DecompressionStream('deflate')).getReader();
    let head = new Uint8Array(0);
    let nul = -1;
    while (nul < 0) {
      const { value, done } = await reader.read();
      if (done || head.byteLength > 64) throw new Error(`object ${oid} in R2 is not a loose git object`);
      const next = new Uint8Array(head.byteLength + value.byteLength);
      next.set(head);
      next.set(value, head.byteLength);
      head = next;
      nul = head.indexOf(0);
    }
    const [name, size] = dec.decode(head.subarray(0, nul)).split(' ');
    if (!TYPE_CODE[name] || !/^\d+$/.test(size)) throw new Error(`object ${oid} in R2 is not a loose git object`);
    const rest = head.subarray(nul + 1);
    const content = new ReadableStream<Uint8Array>({
      start: (c) => void (rest.byteLength && c.enqueue(rest)),
      pull: async (c) => {
        const { value, done } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel: (why) => reader.cancel(why),
    });
    return { oid, type: TYPE_CODE[name], size: Number(size), stream: content.pipeThrough(new CompressionStream('deflate')) };
  }

  /** Stores a deflated loose object under its id (idempotent: objects are immutable). */
  async put(oid: string, deflated: Uint8Array): Promise<void> {
    if (this.has(oid)) return;
    if (deflated.byteLength > ROW_MAX) {
      await this.bucket.put(this.key(oid), deflated);
      this.#sql.exec(`INSERT OR IGNORE INTO objects (oid, size, pending, used_at, data) VALUES (?, ?, 0, ?, NULL)`, oid, deflated.byteLength, Date.now());
    } else {
      this.#sql.exec(`INSERT OR IGNORE INTO objects (oid, size, pending, used_at, data) VALUES (?, ?, 1, ?, ?)`, oid, deflated.byteLength, Date.now(), deflated);
      this.opts.onPending?.();
    }
    this.#remember(oid, { fmt: 0, type: 0, rawSize: 0, data: deflated });
  }

  /** Bytes of every object this repository holds, as stored (compressed): what MAX_REPO_BYTES bounds. */
  storedBytes(): number {
    return this.#sql.exec<{ n: number }>(`SELECT total(size) AS n FROM objects`).one().n;
  }

  pendingCount(): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pending = 1`).one().n;
  }

  /**
   * Copies pending objects to R2 (git's loose format), converts the copied rows to the pack-ready
   * form, then trims the SQLite cache. Returns how many were copied.
   */
  async flush(): Promise<number> {
    let copied = 0;
    for (;;) {
      const rows = this.#sql.exec<Row>(`SELECT oid, fmt, type, raw_size, data FROM objects WHERE pending = 1 LIMIT ?`, FLUSH_BATCH).toArray();
      if (!rows.length) break;
      for (let i = 0; i < rows.length; i += FLUSH_PARALLEL) {
        const part = rows.slice(i, i + FLUSH_PARALLEL).map((r) => ({ oid: r.oid, s: stored(r) }));
        await Promise.all(part.map(({ oid, s }) => this.bucket.put(this.key(oid), looseOf(s))));
        for (const { oid, s } of part) {
          let p: Stored | null = null;
          try {
            if (s.fmt === 0) p = packedOf(s.data);
          } catch {
            p = null; // not a loose object (never from git): kept as written
          }
          if (p) this.#sql.exec(`UPDATE objects SET pending = 0, data = ?, fmt = 1, type = ?, raw_size = ?, size = ? WHERE oid = ?`, p.data, p.type, p.rawSize, p.data.byteLength, oid);
          else this.#sql.exec(`UPDATE objects SET pending = 0 WHERE oid = ?`, oid);
        }
        copied += part.length;
      }
    }
    this.#evict();
    return copied;
  }

  #evict(): void {
    const cached = this.#sql.exec<{ n: number | null }>(`SELECT sum(size) AS n FROM objects WHERE data IS NOT NULL`).one().n ?? 0;
    let excess = cached - this.#cacheBytes;
    while (excess > 0) {
      const victims = this.#sql
        .exec<{ oid: string; size: number }>(`SELECT oid, size FROM objects WHERE data IS NOT NULL AND pending = 0 ORDER BY used_at LIMIT 256`)
        .toArray();
      if (!victims.length) return;
      for (const v of victims) {
        this.#sql.exec(`UPDATE objects SET data = NULL, fmt = 0 WHERE oid = ?`, v.oid);
        excess -= v.size;
      }
    }
  }

  /** Keeps `s` in the memory LRU unless it would take more than an eighth of it. */
  #remember(oid: string, s: Stored): Stored {
    return s.data.byteLength > this.#memoryBytes / 8 ? s : this.#lru.set(oid, s);
  }
}
