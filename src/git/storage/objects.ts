/**
 * ObjectStore: git objects of one repository. R2 is the durable, unbounded store; the DO's
 * SQLite is a write-behind buffer and a bounded hot cache; a memory LRU keeps repeated reads
 * inside one isolate off SQLite.
 *
 * Layout:
 *   R2      `${tenant}/${repo}/objects/${oid[0..2]}/${oid[2..]}` — the zlib-deflated loose object,
 *           exactly git's loose format. Content-addressed: written once, never rewritten, so no
 *           key is ever hot (R2 allows ~1 write/s per key).
 *   SQLite  objects(oid PK, size, pending, used_at, data) — one row per object the repo knows
 *           (so `has` and short-sha expansion never touch R2); `data` NULL = only in R2.
 *
 * Write path: `put` stores the row with pending=1 and returns — a commit costs SQLite writes
 * only. `flush` (the DO alarm, retried until it succeeds) copies pending rows to R2 and clears
 * `pending`. Objects whose deflated form exceeds ROW_MAX go straight to R2 and are never cached
 * in SQLite. Trade-off: for a few seconds a new object exists only in SQLite, which is itself
 * durable (replicated) storage, so nothing is lost if the isolate dies.
 * Eviction (`flush` again): when cached bytes exceed `cacheBytes`, the least recently used
 * non-pending rows drop their data (never the row).
 */
const ROW_MAX = 1_800_000;
const FLUSH_BATCH = 128;
const FLUSH_PARALLEL = 16;
const TOUCH_MS = 3_600_000;

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
  #lru = new Map<string, Uint8Array>();
  #lruBytes = 0;
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
    this.#cacheBytes = opts.cacheBytes ?? 1024 * 1024 * 1024;
  }

  key(oid: string): string {
    return `${this.prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  has(oid: string): boolean {
    return this.#lru.has(oid) || this.#sql.exec(`SELECT 1 FROM objects WHERE oid = ?`, oid).toArray().length > 0;
  }

  /** Size of the deflated object, or undefined when unknown. */
  size(oid: string): number | undefined {
    const hit = this.#lru.get(oid);
    if (hit) return hit.byteLength;
    return this.#sql.exec<{ size: number }>(`SELECT size FROM objects WHERE oid = ?`, oid).toArray()[0]?.size;
  }

  /** Object ids starting with a 2-hex prefix (a loose-object directory listing). */
  list(prefix2: string): string[] {
    const hi = prefix2.slice(0, 1) + String.fromCharCode(prefix2.charCodeAt(1) + 1);
    return this.#sql.exec<{ oid: string }>(`SELECT oid FROM objects WHERE oid >= ? AND oid < ?`, prefix2, hi).toArray().map((r) => r.oid);
  }

  /** The deflated loose object, or null when the repository does not have it. */
  async get(oid: string): Promise<Uint8Array | null> {
    const hit = this.#lru.get(oid);
    if (hit) {
      this.#lru.delete(oid);
      this.#lru.set(oid, hit);
      return hit;
    }
    const row = this.#sql.exec<{ data: ArrayBuffer | null; used_at: number }>(`SELECT data, used_at FROM objects WHERE oid = ?`, oid).toArray()[0];
    if (!row) return null;
    if (row.data) {
      const now = Date.now();
      if (now - row.used_at > TOUCH_MS) this.#sql.exec(`UPDATE objects SET used_at = ? WHERE oid = ?`, now, oid);
      return this.#remember(oid, new Uint8Array(row.data));
    }
    const obj = await this.bucket.get(this.key(oid));
    if (!obj) throw new Error(`object ${oid} is missing from R2 (${this.key(oid)})`);
    const data = new Uint8Array(await obj.arrayBuffer());
    if (data.byteLength <= ROW_MAX) this.#sql.exec(`UPDATE objects SET data = ?, used_at = ? WHERE oid = ?`, data, Date.now(), oid);
    return this.#remember(oid, data);
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
    this.#remember(oid, deflated);
  }

  pendingCount(): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pending = 1`).one().n;
  }

  /** Copies pending objects to R2, then trims the SQLite cache. Returns how many were copied. */
  async flush(): Promise<number> {
    let copied = 0;
    for (;;) {
      const rows = this.#sql
        .exec<{ oid: string; data: ArrayBuffer }>(`SELECT oid, data FROM objects WHERE pending = 1 LIMIT ?`, FLUSH_BATCH)
        .toArray();
      if (!rows.length) break;
      for (let i = 0; i < rows.length; i += FLUSH_PARALLEL) {
        const part = rows.slice(i, i + FLUSH_PARALLEL);
        await Promise.all(part.map((r) => this.bucket.put(this.key(r.oid), r.data)));
        for (const r of part) this.#sql.exec(`UPDATE objects SET pending = 0 WHERE oid = ?`, r.oid);
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
        this.#sql.exec(`UPDATE objects SET data = NULL WHERE oid = ?`, v.oid);
        excess -= v.size;
      }
    }
  }

  #remember(oid: string, data: Uint8Array): Uint8Array {
    if (data.byteLength > this.#memoryBytes / 8) return data;
    const old = this.#lru.get(oid);
    if (old) this.#lruBytes -= old.byteLength;
    this.#lru.delete(oid);
    this.#lru.set(oid, data);
    this.#lruBytes += data.byteLength;
    for (const [k, v] of this.#lru) {
      if (this.#lruBytes <= this.#memoryBytes) break;
      this.#lru.delete(k);
      this.#lruBytes -= v.byteLength;
    }
    return data;
  }
}
