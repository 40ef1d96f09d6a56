/**
 * The `fs` isomorphic-git runs on: a promises-style object (readFile, writeFile, mkdir, rmdir,
 * unlink, stat, lstat, readdir, readlink, symlink) over the repository's stores.
 *
 *   /.git/objects/xx/yyyy…  → ObjectStore (SQLite write-behind + R2), deflated loose objects
 *   /.git/objects/xx        → a virtual directory listing the object ids with that prefix
 *   everything else         → FileStore (working tree, HEAD, refs, index, config, packs)
 *
 * The repository root is `/` and the git dir `/.git`. Errors carry Node's codes. Stats are
 * stable: the same file yields the same ino/mtime/ctime/size until it is written again, which
 * is what lets isomorphic-git trust the index instead of re-hashing every file. `stat` does not
 * follow symlinks (same as `lstat`): a symlink's target may name a path outside the repository.
 */

import { fsError } from './errors';
import { DIR, FILE, type FileStore, type Meta, SYMLINK } from './files';
import type { ObjectStore } from './objects';

const OBJECT = /^\.git\/objects\/([0-9a-f]{2})\/([0-9a-f]{38})$/;
const OBJECT_DIR = /^\.git\/objects\/([0-9a-f]{2})$/;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Normalises an absolute or relative path to the stores' form: no leading '/', no '.', '..'. */
function normalize(path: string): string {
  const out: string[] = [];
  for (const part of String(path).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export interface Stats {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  ino: number;
  dev: number;
  uid: number;
  gid: number;
  nlink: number;
  mtimeMs: number;
  ctimeMs: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtime: Date;
  ctime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export function toStats(m: Pick<Meta, 'type' | 'mode' | 'size' | 'mtimeUs' | 'ino'>): Stats {
  const seconds = Math.floor(m.mtimeUs / 1e6);
  const nanos = (m.mtimeUs % 1e6) * 1000;
  const ms = m.mtimeUs / 1000;
  const type = m.type === DIR ? 'dir' : m.type === SYMLINK ? 'symlink' : 'file';
  return {
    type,
    mode: m.mode,
    size: m.size,
    ino: m.ino,
    dev: 1,
    uid: 1,
    gid: 1,
    nlink: 1,
    mtimeMs: ms,
    ctimeMs: ms,
    mtimeSeconds: seconds,
    mtimeNanoseconds: nanos,
    ctimeSeconds: seconds,
    ctimeNanoseconds: nanos,
    mtime: new Date(ms),
    ctime: new Date(ms),
    isFile: () => type === 'file',
    isDirectory: () => type === 'dir',
    isSymbolicLink: () => type === 'symlink',
  };
}

type Encoding = string | { encoding?: string | null; mode?: number } | undefined;
const encodingOf = (o: Encoding) => (typeof o === 'string' ? o : (o?.encoding ?? undefined));

export function createFs(files: FileStore, objects: ObjectStore) {
  const promises = {
    async readFile(path: string, opts?: Encoding): Promise<Uint8Array | string> {
      const p = normalize(path);
      const o = OBJECT.exec(p);
      let data: Uint8Array;
      if (o) {
        const hit = await objects.get(o[1] + o[2]);
        if (!hit) throw fsError('ENOENT', 'open', p);
        data = hit;
      } else data = files.read(p);
      return encodingOf(opts) === 'utf8' ? dec.decode(data) : data;
    },

    async writeFile(path: string, data: Uint8Array | string, opts?: Encoding): Promise<void> {
      const p = normalize(path);
      const bytes = typeof data === 'string' ? enc.encode(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      const o = OBJECT.exec(p);
      if (o) return objects.put(o[1] + o[2], bytes);
      const mode = typeof opts === 'object' && opts?.mode !== undefined ? (opts.mode & 0o111 ? 0o100755 : 0o100644) : undefined;
      files.write(p, bytes, { mode, type: FILE });
    },

    async mkdir(path: string): Promise<void> {
      const p = normalize(path);
      if (OBJECT_DIR.test(p)) return;
      files.mkdir(p);
    },

    async rmdir(path: string): Promise<void> {
      const p = normalize(path);
      if (OBJECT_DIR.test(p)) return;
      files.rmdir(p);
    },

    async unlink(path: string): Promise<void> {
      const p = normalize(path);
      if (OBJECT.test(p)) return; // objects are immutable and shared; never deleted through fs
      files.unlink(p);
    },

    async stat(path: string): Promise<Stats> {
      return promises.lstat(path);
    },

    async lstat(path: string): Promise<Stats> {
      const p = normalize(path);
      const o = OBJECT.exec(p);
      if (o) {
        const size = objects.size(o[1] + o[2]);
        if (size === undefined) throw fsError('ENOENT', 'lstat', p);
        return toStats({ type: FILE, mode: 0o100444, size, mtimeUs: 0, ino: 0 });
      }
      if (OBJECT_DIR.test(p)) return toStats({ type: DIR, mode: 0o40000, size: 0, mtimeUs: 0, ino: 0 });
      return toStats(files.require(p, 'lstat'));
    },

    async readdir(path: string): Promise<string[]> {
      const p = normalize(path);
      const d = OBJECT_DIR.exec(p);
      if (d) return objects.list(d[1]).map((oid) => oid.slice(2));
      return files.list(p);
    },

    async readlink(path: string, opts?: Encoding): Promise<Uint8Array | string> {
      const p = normalize(path);
      const m = files.get(p);
      if (m && m.type !== SYMLINK) throw fsError('EINVAL', 'readlink', p);
      const data = files.read(p);
      return encodingOf(opts) === 'buffer' ? data : dec.decode(data);
    },

    async symlink(target: string, path: string): Promise<void> {
      const p = normalize(path);
      if (files.get(p)) throw fsError('EEXIST', 'symlink', p);
      files.write(p, enc.encode(target), { type: SYMLINK, mode: 0o120000 });
    },
  };
  return { promises };
}

export type GitFs = ReturnType<typeof createFs>;
