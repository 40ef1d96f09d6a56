/**
 * The SQLite `objects` table of one repository: every statement on it lives here.
 *
 *   objects(oid PK, size, pending, used_at, data, fmt, type, raw_size)
 *
 * One row per object the repository knows, so `has` and short-sha expansion never touch R2.
 * `data` NULL = only in R2; otherwise the row is a write-behind buffer (pending = 1, not yet in
 * R2) or a bounded hot cache entry. `fmt` says what `data` holds (migrations/0102): 0 the loose
 * object, as in R2; 1 pack-ready, with `type` and `raw_size` for the pack entry header (see
 * object-format.ts). `size` is the byte length of `data` (of the R2 object when `data` is NULL).
 */
import { looseSize, type PackReady, type Stored } from './object-format';

/** Largest object data kept in a row; larger objects live in R2 only. */
export const ROW_MAX = 1_800_000;
/** A row's use time is refreshed at most this often (a read must not cost a write each time). */
const TOUCH_MS = 3_600_000;

type Row = {
  oid: string;
  fmt: number;
  type: number | null;
  raw_size: number | null;
  data: ArrayBuffer | null;
};
/** A row as the pack batcher sees it: `data` only when small enough to read inline. */
export type MetaRow = Row & { size: number; cold: number };

/** The data of a row that has some. */
export function stored(r: Row): Stored {
  const data = new Uint8Array(r.data!);
  return r.fmt === 1 ? { fmt: 1, type: r.type!, rawSize: r.raw_size!, data } : { fmt: 0, type: 0, rawSize: 0, data };
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

export class ObjectRows {
  constructor(private readonly sql: SqlStorage) {}

  has(oid: string): boolean {
    return this.sql.exec(`SELECT 1 FROM objects WHERE oid = ?`, oid).toArray().length > 0;
  }

  /** Size of the loose object, or undefined when the repository does not have it. */
  looseSize(oid: string): number | undefined {
    const r = this.sql
      .exec<{ size: number; fmt: number; type: number | null; raw_size: number | null }>(`SELECT size, fmt, type, raw_size FROM objects WHERE oid = ?`, oid)
      .toArray()[0];
    return r ? looseSize(r.fmt, r.type, r.raw_size, r.size) : undefined;
  }

  /** Object ids starting with a 2-hex prefix. */
  list(prefix2: string): string[] {
    const hi = prefix2.slice(0, 1) + String.fromCharCode(prefix2.charCodeAt(1) + 1);
    return this.sql
      .exec<{ oid: string }>(`SELECT oid FROM objects WHERE oid >= ? AND oid < ?`, prefix2, hi)
      .toArray()
      .map((r) => r.oid);
  }

  /** The row of `oid`; when it holds data, its use time is refreshed (at most once per TOUCH_MS). */
  read(oid: string): Row | undefined {
    const row = this.sql.exec<Row & { used_at: number }>(`SELECT oid, fmt, type, raw_size, data, used_at FROM objects WHERE oid = ?`, oid).toArray()[0];
    if (row?.data) {
      const now = Date.now();
      if (now - row.used_at > TOUCH_MS) this.sql.exec(`UPDATE objects SET used_at = ? WHERE oid = ?`, now, oid);
    }
    return row;
  }

  /** Caches a loose object read back from R2 in its row, when it fits one. */
  fillLoose(oid: string, loose: Uint8Array): void {
    if (loose.byteLength <= ROW_MAX)
      this.sql.exec(`UPDATE objects SET data = ?, fmt = 0, size = ?, used_at = ? WHERE oid = ?`, loose, loose.byteLength, Date.now(), oid);
  }

  /** Stores the pack-ready form in the row (when it fits one); `touch` also marks it used now. */
  fillPacked(oid: string, p: PackReady, touch: boolean): void {
    if (p.data.byteLength > ROW_MAX) return;
    this.sql.exec(
      `UPDATE objects SET data = ?, fmt = 1, type = ?, raw_size = ?, size = ?${touch ? ', used_at = ?' : ''} WHERE oid = ?`,
      ...[p.data, p.type, p.rawSize, p.data.byteLength, ...(touch ? [Date.now()] : []), oid],
    );
  }

  /** A new row: pending (the loose object kept here until copied to R2) or, for R2-only objects, without data. */
  insert(oid: string, loose: Uint8Array, pending: boolean): void {
    if (pending)
      this.sql.exec(`INSERT OR IGNORE INTO objects (oid, size, pending, used_at, data) VALUES (?, ?, 1, ?, ?)`, oid, loose.byteLength, Date.now(), loose);
    else this.sql.exec(`INSERT OR IGNORE INTO objects (oid, size, pending, used_at, data) VALUES (?, ?, 0, ?, NULL)`, oid, loose.byteLength, Date.now());
  }

  /** Rows of `oids` (≤ 100: DO SQLite's bind limit) with the data of those up to `inlineMax` bytes. */
  meta(oids: string[], inlineMax: number): Map<string, MetaRow> {
    return new Map(
      this.sql
        .exec<MetaRow>(
          `SELECT oid, size, fmt, type, raw_size, data IS NULL AS cold, CASE WHEN size <= ${inlineMax} THEN data END AS data
             FROM objects WHERE oid IN (${marks(oids.length)})`,
          ...oids,
        )
        .toArray()
        .map((r) => [r.oid, r]),
    );
  }

  /** Rows of `oids` (≤ 100) with their data. */
  rows(oids: string[]): Row[] {
    return this.sql.exec<Row>(`SELECT oid, fmt, type, raw_size, data FROM objects WHERE oid IN (${marks(oids.length)})`, ...oids).toArray();
  }

  /** Bytes of every object, as stored (compressed). */
  storedBytes(): number {
    return this.sql.exec<{ n: number }>(`SELECT total(size) AS n FROM objects`).one().n;
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pending = 1`).one().n;
  }

  /** Up to `limit` rows not yet copied to R2. */
  pending(limit: number): Row[] {
    return this.sql.exec<Row>(`SELECT oid, fmt, type, raw_size, data FROM objects WHERE pending = 1 LIMIT ?`, limit).toArray();
  }

  /** Marks a row copied to R2, storing its pack-ready form when there is one. */
  flushed(oid: string, p: PackReady | null): void {
    if (p)
      this.sql.exec(
        `UPDATE objects SET pending = 0, data = ?, fmt = 1, type = ?, raw_size = ?, size = ? WHERE oid = ?`,
        p.data,
        p.type,
        p.rawSize,
        p.data.byteLength,
        oid,
      );
    else this.sql.exec(`UPDATE objects SET pending = 0 WHERE oid = ?`, oid);
  }

  /** When cached data exceeds `cacheBytes`, the least recently used non-pending rows drop it (never the row). */
  evict(cacheBytes: number): void {
    const cached = this.sql.exec<{ n: number | null }>(`SELECT sum(size) AS n FROM objects WHERE data IS NOT NULL`).one().n ?? 0;
    let excess = cached - cacheBytes;
    while (excess > 0) {
      const victims = this.sql
        .exec<{ oid: string; size: number }>(`SELECT oid, size FROM objects WHERE data IS NOT NULL AND pending = 0 ORDER BY used_at LIMIT 256`)
        .toArray();
      if (!victims.length) return;
      for (const v of victims) {
        this.sql.exec(`UPDATE objects SET data = NULL, fmt = 0 WHERE oid = ?`, v.oid);
        excess -= v.size;
      }
    }
  }
}
