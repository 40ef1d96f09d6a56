/**
 * FileStore: the working tree and every non-object file under `.git/` (HEAD, refs, packed-refs,
 * index, config, transient packs) of one repository, in its Repo DO's SQLite.
 *
 * Layout (migrations/0101_repo.sql):
 *   files(path PK, type 1 file | 2 dir | 3 symlink, mode, size, mtime_us, ino, chunks, data)
 *   file_chunks(ino, seq, data)  — content of files over CHUNK bytes, CHUNK bytes per row
 *                                   (DO SQLite rows are limited to 2 MB)
 * Paths are relative to the repository root without a leading '/'; '' is the root directory.
 *
 * Invariants:
 * - All metadata is loaded once into memory (a Map plus a children index), so stat/readdir are
 *   memory lookups; content is read from SQLite on demand (small `.git/` files stay in memory).
 * - Every write gets a new `ino` and a strictly increasing `mtime_us`, so isomorphic-git's
 *   stat comparison (index vs working tree) can never miss a change made within one clock tick
 *   (Workers freeze Date.now() between I/O). Stats are otherwise stable across reads and restarts.
 * - Every mutation is synchronous SQLite (no await), so it is atomic with respect to other
 *   requests of the DO; callers group multi-row changes with transactionSync.
 */
import { fsError } from './errors';

export const FILE = 1;
export const DIR = 2;
export const SYMLINK = 3;
type FileType = typeof FILE | typeof DIR | typeof SYMLINK;

export interface Meta {
  type: FileType;
  mode: number;
  size: number;
  mtimeUs: number;
  ino: number;
  chunks: number;
}

const CHUNK = 1 << 20; // 1 MiB per row: well under the 2 MB row limit
const HOT_MAX = 64 * 1024; // .git/ files up to this size keep their content in memory
const MODE = { [FILE]: 0o100644, [DIR]: 0o40000, [SYMLINK]: 0o120000 } as const;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class FileStore {
  #sql: SqlStorage;
  #meta: Map<string, Meta> | null = null;
  #children = new Map<string, Set<string>>();
  #hot = new Map<string, Uint8Array>();
  #ino = 0;
  #clock = 0;

  constructor(private readonly storage: DurableObjectStorage) {
    this.#sql = storage.sql;
  }

  get(path: string): Meta | undefined {
    return this.#all().get(path);
  }

  /** Names in a directory; throws ENOENT / ENOTDIR. */
  list(path: string): string[] {
    const m = this.require(path, 'scandir');
    if (m.type !== DIR) throw fsError('ENOTDIR', 'scandir', path);
    return [...(this.#children.get(path) ?? [])];
  }

  /** Every file and symlink under `dir` (recursive, depth-first), skipping `exclude`d subtrees. */
  *walk(dir = '', exclude?: (path: string) => boolean): Generator<[string, Meta]> {
    for (const name of this.#children.get(dir) ?? []) {
      const p = dir ? `${dir}/${name}` : name;
      if (exclude?.(p)) continue;
      const m = this.#all().get(p)!;
      if (m.type === DIR) yield* this.walk(p, exclude);
      else yield [p, m];
    }
  }

  read(path: string): Uint8Array {
    const m = this.require(path, 'open');
    if (m.type === DIR) throw fsError('EISDIR', 'read', path);
    const hot = this.#hot.get(path);
    if (hot) return hot;
    let data: Uint8Array;
    if (m.chunks === 0) {
      const row = this.#sql.exec<{ data: ArrayBuffer | null }>(`SELECT data FROM files WHERE path = ?`, path).one();
      data = row.data ? new Uint8Array(row.data) : new Uint8Array();
    } else {
      data = new Uint8Array(m.size);
      let at = 0;
      for (const r of this.#sql.exec<{ data: ArrayBuffer }>(`SELECT data FROM file_chunks WHERE ino = ? ORDER BY seq`, m.ino)) {
        data.set(new Uint8Array(r.data), at);
        at += r.data.byteLength;
      }
    }
    if (path.startsWith('.git/') && data.byteLength <= HOT_MAX) this.#hot.set(path, data);
    return data;
  }

  /** Creates or replaces a file (parents are created as needed); returns its new metadata. */
  write(path: string, data: Uint8Array, opts: { mode?: number; type?: FileType } = {}): Meta {
    const prev = this.#all().get(path);
    if (prev?.type === DIR) throw fsError('EISDIR', 'open', path);
    this.#ensureDir(parentOf(path), 'open', path);
    const type = opts.type ?? FILE;
    const mode = opts.mode ?? (prev && prev.type === type ? prev.mode : MODE[type]);
    const meta: Meta = {
      type,
      mode,
      size: data.byteLength,
      mtimeUs: this.#tick(),
      ino: ++this.#ino,
      chunks: data.byteLength > CHUNK ? Math.ceil(data.byteLength / CHUNK) : 0,
    };
    this.storage.transactionSync(() => {
      if (prev?.chunks) this.#sql.exec(`DELETE FROM file_chunks WHERE ino = ?`, prev.ino);
      for (let i = 0; i < meta.chunks; i++) {
        this.#sql.exec(`INSERT INTO file_chunks (ino, seq, data) VALUES (?, ?, ?)`, meta.ino, i, data.subarray(i * CHUNK, (i + 1) * CHUNK));
      }
      this.#put(path, meta, meta.chunks ? null : data);
    });
    if (path.startsWith('.git/') && data.byteLength <= HOT_MAX) this.#hot.set(path, data);
    else this.#hot.delete(path);
    return meta;
  }

  mkdir(path: string): void {
    if (this.#all().has(path)) throw fsError('EEXIST', 'mkdir', path);
    const parent = this.#all().get(parentOf(path));
    if (!parent) throw fsError('ENOENT', 'mkdir', path);
    if (parent.type !== DIR) throw fsError('ENOTDIR', 'mkdir', path);
    this.#put(path, { type: DIR, mode: MODE[DIR], size: 0, mtimeUs: this.#tick(), ino: ++this.#ino, chunks: 0 }, null);
  }

  unlink(path: string): void {
    const m = this.require(path, 'unlink');
    if (m.type === DIR) throw fsError('EISDIR', 'unlink', path);
    this.#remove(path, m);
  }

  rmdir(path: string): void {
    const m = this.require(path, 'rmdir');
    if (m.type !== DIR) throw fsError('ENOTDIR', 'rmdir', path);
    if (path === '') throw fsError('EBUSY', 'rmdir', path);
    if (this.#children.get(path)?.size) throw fsError('ENOTEMPTY', 'rmdir', path);
    this.#remove(path, m);
  }

  /** Removes empty directories from `path` upwards (after a file delete), stopping at `stop`. */
  prune(path: string, stop = ''): void {
    for (let d = path; d !== stop && d !== ''; d = parentOf(d)) {
      const m = this.#all().get(d);
      if (!m || m.type !== DIR || this.#children.get(d)?.size) return;
      this.#remove(d, m);
    }
  }

  /** The metadata of an existing path; throws ENOENT, or ENOTDIR when a parent is a file. */
  require(path: string, op: string): Meta {
    const m = this.#all().get(path);
    if (m) return m;
    // POSIX: a path running through a file is ENOTDIR, otherwise ENOENT.
    for (let d = parentOf(path); ; d = parentOf(d)) {
      const pm = this.#all().get(d);
      if (pm) throw fsError(pm.type === DIR ? 'ENOENT' : 'ENOTDIR', op, path);
      if (d === '') break;
    }
    throw fsError('ENOENT', op, path);
  }

  #ensureDir(dir: string, op: string, path: string): void {
    const m = this.#all().get(dir);
    if (m) {
      if (m.type !== DIR) throw fsError('ENOTDIR', op, path);
      return;
    }
    this.#ensureDir(parentOf(dir), op, path);
    this.#put(dir, { type: DIR, mode: MODE[DIR], size: 0, mtimeUs: this.#tick(), ino: ++this.#ino, chunks: 0 }, null);
  }

  #put(path: string, m: Meta, data: Uint8Array | null): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO files (path, type, mode, size, mtime_us, ino, chunks, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      path,
      m.type,
      m.mode,
      m.size,
      m.mtimeUs,
      m.ino,
      m.chunks,
      data,
    );
    this.#index(path, m);
  }

  #remove(path: string, m: Meta): void {
    this.storage.transactionSync(() => {
      if (m.chunks) this.#sql.exec(`DELETE FROM file_chunks WHERE ino = ?`, m.ino);
      this.#sql.exec(`DELETE FROM files WHERE path = ?`, path);
    });
    this.#meta!.delete(path);
    this.#hot.delete(path);
    this.#children.get(parentOf(path))?.delete(nameOf(path));
    this.#children.delete(path);
  }

  #index(path: string, m: Meta): void {
    this.#meta!.set(path, m);
    if (path === '') return;
    const parent = parentOf(path);
    let set = this.#children.get(parent);
    if (!set) this.#children.set(parent, (set = new Set()));
    set.add(nameOf(path));
  }

  #tick(): number {
    this.#clock = Math.max(Date.now() * 1000, this.#clock + 1);
    return this.#clock;
  }

  #all(): Map<string, Meta> {
    if (this.#meta) return this.#meta;
    this.#meta = new Map();
    const rows = this.#sql.exec<{ path: string; type: FileType; mode: number; size: number; mtime_us: number; ino: number; chunks: number }>(
      `SELECT path, type, mode, size, mtime_us, ino, chunks FROM files`,
    );
    for (const r of rows) {
      this.#index(r.path, { type: r.type, mode: r.mode, size: r.size, mtimeUs: r.mtime_us, ino: r.ino, chunks: r.chunks });
      this.#ino = Math.max(this.#ino, r.ino);
      this.#clock = Math.max(this.#clock, r.mtime_us);
    }
    if (!this.#meta.has('')) this.#put('', { type: DIR, mode: MODE[DIR], size: 0, mtimeUs: this.#tick(), ino: ++this.#ino, chunks: 0 }, null);
    return this.#meta;
  }
}
