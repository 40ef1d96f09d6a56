/**
 * ObjectStore: git objects of one repository. R2 is the durable, unbounded store
 * (object-r2.ts); the DO's SQLite is a write-behind buffer and a bounded hot cache
 * (object-rows.ts); a memory LRU keeps repeated reads inside one isolate off SQLite. Rows hold
 * either the loose object or, once converted, only the pack-ready form (object-format.ts), which
 * upload-pack streams as stored (object-pack.ts).
 *
 * Pack-ready form: objects are written loose (a commit pays nothing extra) and converted once
 * (inflate + deflate): by `flush` right after their copy to R2, or by the first `packed` read that
 * meets them (objects stored before migration 0102, or read back from R2).
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
import { looseOf, looseSize, type PackedObject, type PackReady, packedOf, type Stored } from './object-format';
import { packEntries } from './object-pack';
import { R2Objects } from './object-r2';
import { ObjectRows, ROW_MAX, stored } from './object-rows';

const FLUSH_BATCH = 128;
const FLUSH_PARALLEL = 16;

interface ObjectStoreOptions {
  /** Byte budget of the memory LRU (per isolate). */
  memoryBytes?: number;
  /** Byte budget of object data cached in SQLite. */
  cacheBytes?: number;
  /** Called after a pending write so the owner can arm the flush alarm. */
  onPending?: () => void;
}

export class ObjectStore {
  readonly #rows: ObjectRows;
  readonly #r2: R2Objects;
  readonly #lru: Lru<string, Stored>;
  readonly #memoryBytes: number;
  readonly #cacheBytes: number;

  constructor(
    storage: DurableObjectStorage,
    bucket: R2Bucket,
    prefix: string,
    private readonly opts: ObjectStoreOptions = {},
  ) {
    this.#rows = new ObjectRows(storage.sql);
    this.#r2 = new R2Objects(bucket, prefix);
    this.#memoryBytes = opts.memoryBytes ?? 16 * 1024 * 1024;
    this.#cacheBytes = opts.cacheBytes ?? 1024 * 1024 * 1024;
    this.#lru = new Lru({ maxWeight: this.#memoryBytes, weigh: (s) => s.data.byteLength });
  }

  /** The R2 key of an object. */
  key(oid: string): string {
    return this.#r2.key(oid);
  }

  has(oid: string): boolean {
    return this.#lru.has(oid) || this.#rows.has(oid);
  }

  /** Size of the deflated loose object, or undefined when unknown. */
  size(oid: string): number | undefined {
    const hit = this.#lru.peek(oid);
    return hit ? looseSize(hit.fmt, hit.type, hit.rawSize, hit.data.byteLength) : this.#rows.looseSize(oid);
  }

  /** Object ids starting with a 2-hex prefix (a loose-object directory listing). */
  list(prefix2: string): string[] {
    return this.#rows.list(prefix2);
  }

  /** The deflated loose object, or null when the repository does not have it. */
  async get(oid: string): Promise<Uint8Array | null> {
    const hit = this.#lru.get(oid);
    if (hit) return looseOf(hit);
    const row = this.#rows.read(oid);
    if (!row) return null;
    if (row.data) return looseOf(this.#remember(oid, stored(row)));
    const data = await this.#r2.get(oid);
    this.#rows.fillLoose(oid, data);
    return looseOf(this.#remember(oid, { fmt: 0, type: 0, rawSize: 0, data }));
  }

  /** Pack entries for `oids`, in order, in batches (object-pack.ts). The memory LRU is left alone. */
  packed(oids: string[]): AsyncGenerator<PackedObject[]> {
    return packEntries(this.#rows, this.#r2, oids);
  }

  /** Stores a deflated loose object under its id (idempotent: objects are immutable). */
  async put(oid: string, deflated: Uint8Array): Promise<void> {
    if (this.has(oid)) return;
    if (deflated.byteLength > ROW_MAX) {
      await this.#r2.put(oid, deflated);
      this.#rows.insert(oid, deflated, false);
    } else {
      this.#rows.insert(oid, deflated, true);
      this.opts.onPending?.();
    }
    // Not kept in memory: a push writes thousands of objects few of which are read back soon, and
    // holding them would fill the LRU with the push itself (reads fill it from SQLite instead).
  }

  /** Bytes of every object this repository holds, as stored (compressed): what MAX_REPO_BYTES bounds. */
  storedBytes(): number {
    return this.#rows.storedBytes();
  }

  pendingCount(): number {
    return this.#rows.pendingCount();
  }

  /**
   * Copies pending objects to R2 (git's loose format), converts the copied rows to the pack-ready
   * form, then trims the SQLite cache. Returns how many were copied.
   */
  async flush(): Promise<number> {
    let copied = 0;
    for (;;) {
      const rows = this.#rows.pending(FLUSH_BATCH);
      if (!rows.length) break;
      for (let i = 0; i < rows.length; i += FLUSH_PARALLEL) {
        const part = rows.slice(i, i + FLUSH_PARALLEL).map((r) => ({ oid: r.oid, s: stored(r) }));
        await Promise.all(part.map(({ oid, s }) => this.#r2.put(oid, looseOf(s))));
        for (const { oid, s } of part) {
          let p: PackReady | null = null;
          try {
            if (s.fmt === 0) p = packedOf(s.data);
          } catch {
            p = null; // not a loose object (never from git): kept as written
          }
          this.#rows.flushed(oid, p);
        }
        copied += part.length;
      }
    }
    this.#rows.evict(this.#cacheBytes);
    return copied;
  }

  /** Keeps `s` in the memory LRU unless it would take more than an eighth of it. */
  #remember(oid: string, s: Stored): Stored {
    return s.data.byteLength > this.#memoryBytes / 8 ? s : this.#lru.set(oid, s);
  }
}
