/**
 * Repo: one repository as the git layer sees it — its stores (files, refs, objects), the fs
 * isomorphic-git runs on, ONE shared isomorphic-git `cache` object (parsed index, pack indexes)
 * for every call, the readers-writer lock, and memory caches of immutable parsed objects.
 *
 * Identity: a Repo DO is named `${tenant}:${repo}`; its identity is recorded in `repo_meta` on
 * first use and every later call must present the same one (a DO never serves two names), and
 * it fixes the R2 prefix `${tenant}/${repo}/`.
 */
import { applyMigrations } from '../storage/migrations';
import { Lru } from '../utils/lru';
import { type ParsedIndex, parseIndex } from './index-file';
import { RwLock } from './lock';
import { REPO_MIGRATIONS } from './migrations';
import { type CommitInfo, parseCommit, parseTree, type TreeEntry } from './parse';
import { FileStore } from './storage/files';
import { createFs, type GitFs } from './storage/fs';
import { EMPTY_TREE } from './storage/object-format';
import { ObjectStore } from './storage/objects';
import { RefStore } from './storage/refs';
import { deflate, inflate, wrapObject } from './zlib';

const dec = new TextDecoder();

export interface RepoIdent {
  tenant: string;
  repo: string;
}

export class Repo {
  readonly dir = '/';
  readonly gitdir = '/.git';
  readonly files: FileStore;
  readonly refs: RefStore;
  readonly objects: ObjectStore;
  readonly fs: GitFs;
  /** Shared by every isomorphic-git call on this repository (index and packfile caches). */
  cache: object = {};
  readonly commits = new Lru<string, CommitInfo>({ maxEntries: 8192 });
  /** Parsed trees, bounded by their entries (~150 bytes each: ≤ ~10 MB), not by count: trees vary 1–10,000 entries. */
  readonly trees = new Lru<string, TreeEntry[]>({ maxEntries: 16384, maxWeight: 64 * 1024, weigh: (t) => t.length + 1 });
  readonly lock = new RwLock();
  #index: { ino: number; parsed: ParsedIndex } | null = null;
  #flushArmed = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    bucket: R2Bucket,
    readonly ident: RepoIdent,
  ) {
    this.files = new FileStore(storage);
    this.refs = new RefStore(this.files, storage);
    this.objects = new ObjectStore(storage, bucket, `${encodeURIComponent(ident.tenant)}/${ident.repo}/`, { onPending: () => this.#armFlush() });
    this.fs = createFs(this.files, this.objects);
  }

  /** True when this DO's storage was never initialised as a repository (reads only, writes nothing). */
  static isBlank(storage: DurableObjectStorage): boolean {
    return storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'repo_meta'`).toArray().length === 0;
  }

  /** Opens the repository store of a DO: applies migrations and checks/records its identity. */
  static open(storage: DurableObjectStorage, bucket: R2Bucket, ident: RepoIdent | null): Repo | null {
    applyMigrations(storage, REPO_MIGRATIONS);
    const rows = storage.sql.exec<{ k: string; v: string }>(`SELECT k, v FROM repo_meta WHERE k IN ('tenant', 'repo')`).toArray();
    const stored = Object.fromEntries(rows.map((r) => [r.k, r.v]));
    if (stored.tenant !== undefined) {
      if (ident && (ident.tenant !== stored.tenant || ident.repo !== stored.repo)) {
        throw new Error(`repository store mismatch: this object holds ${stored.tenant}:${stored.repo}`);
      }
      return new Repo(storage, bucket, { tenant: stored.tenant, repo: stored.repo });
    }
    if (!ident) return null;
    storage.transactionSync(() => {
      for (const [k, v] of [
        ['tenant', ident.tenant],
        ['repo', ident.repo],
        ['created_at', String(Date.now())],
      ]) {
        storage.sql.exec(`INSERT OR REPLACE INTO repo_meta (k, v) VALUES (?, ?)`, k, v);
      }
    });
    return new Repo(storage, bucket, ident);
  }

  /** This repository's SQLite (tables beyond the stores: protected_refs). */
  get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Arguments every isomorphic-git call takes. */
  get opts() {
    return { fs: this.fs, dir: this.dir, gitdir: this.gitdir, cache: this.cache };
  }

  /** Drops isomorphic-git's caches (after packs were exploded and deleted, and after every writer: they hold a parsed index). */
  resetCache(): void {
    this.cache = {};
  }

  exists(): boolean {
    return this.files.get('.git/HEAD') !== undefined;
  }

  /** Writes `.git/index` and installs its already-parsed form (no re-parse). */
  setIndex(bytes: Uint8Array, parsed: ParsedIndex): void {
    const m = this.files.write('.git/index', bytes);
    this.#index = { ino: m.ino, parsed };
  }

  /** The current index, parsed once per index write (keyed by the index file's ino). */
  index(): ParsedIndex {
    const m = this.files.get('.git/index');
    if (!m) return { entries: new Map(), unmerged: new Set() };
    if (this.#index?.ino !== m.ino) this.#index = { ino: m.ino, parsed: parseIndex(this.files.read('.git/index')) };
    return this.#index.parsed;
  }

  /** Type and content of an object (sync inflate of the stored loose form). */
  async readRaw(oid: string): Promise<{ type: string; content: Uint8Array }> {
    const deflated = await this.objects.get(oid);
    if (!deflated) {
      if (oid === EMPTY_TREE) return { type: 'tree', content: new Uint8Array() };
      throw new Error(`object ${oid} is missing from the repository`);
    }
    const wrapped = inflate(deflated);
    const nul = wrapped.indexOf(0);
    return { type: dec.decode(wrapped.subarray(0, wrapped.indexOf(0x20))), content: wrapped.subarray(nul + 1) };
  }

  /** Stores an object (hash first; compress only when it is new); returns its id. */
  async writeObject(type: string, content: Uint8Array): Promise<string> {
    const { oid, wrapped } = wrapObject(type, content);
    if (!this.objects.has(oid)) await this.objects.put(oid, deflate(wrapped, 6));
    return oid;
  }

  async readCommit(oid: string): Promise<CommitInfo> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const { type, content } = await this.readRaw(oid);
    if (type !== 'commit') throw new Error(`object ${oid} is a ${type}, not a commit`);
    return this.commits.set(oid, parseCommit(oid, content));
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    const hit = this.trees.get(oid);
    if (hit) return hit;
    const { type, content } = await this.readRaw(oid);
    if (type !== 'tree') throw new Error(`object ${oid} is a ${type}, not a tree`);
    return this.trees.set(oid, parseTree(content));
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const { type, content } = await this.readRaw(oid);
    if (type !== 'blob') throw new Error(`object ${oid} is a ${type}, not a blob`);
    return content;
  }

  /** Copies write-behind objects to R2 (the DO alarm). Re-arms itself if more arrived meanwhile. */
  async flush(): Promise<number> {
    this.#flushArmed = false;
    const n = await this.objects.flush();
    if (this.objects.pendingCount() > 0) this.#armFlush();
    return n;
  }

  #armFlush(): void {
    if (this.#flushArmed) return;
    this.#flushArmed = true;
    void this.storage.setAlarm(Date.now() + 1000);
  }
}
