/**
 * The working tree as blob ids, from the FileStore's in-memory metadata and the parsed index:
 * a file whose stat matches its index entry takes the index oid (no read, no hash), only files
 * whose stat changed are read and hashed. This is git's own index trick; with stable stats it
 * makes status a memory walk (see storage/files.ts for why stats never lie).
 */
import type { IndexEntry } from './index-file';
import type { Repo } from './repo';
import type { Meta } from './storage/files';
import type { PathMap } from './tree';
import { sha1Hex } from './zlib';

const enc = new TextEncoder();

export function statMatches(m: Meta, e: IndexEntry): boolean {
  const s = Math.floor(m.mtimeUs / 1e6) % 2 ** 32;
  const ns = ((m.mtimeUs % 1e6) * 1000) % 2 ** 32;
  return (
    e.mode === m.mode &&
    e.size === m.size % 2 ** 32 &&
    e.ino === m.ino % 2 ** 32 &&
    e.mtimeSeconds === s &&
    e.mtimeNanoseconds === ns &&
    e.ctimeSeconds === s &&
    e.ctimeNanoseconds === ns
  );
}

export function hashBlob(data: Uint8Array): string {
  return sha1Hex(enc.encode(`blob ${data.byteLength}\0`), data);
}

interface Worktree {
  /** Tracked paths present in the working tree, with their current blob ids. */
  tracked: PathMap;
  /** Paths present in the working tree but not in the index (ignore rules not applied). */
  untracked: string[];
}

export const isGitDir = (p: string) => p === '.git' || p.endsWith('/.git');

export async function readWorktree(repo: Repo): Promise<Worktree> {
  const index = repo.index().entries;
  const tracked: PathMap = new Map();
  const untracked: string[] = [];
  for (const [path, m] of repo.files.walk('', isGitDir)) {
    const e = index.get(path);
    if (!e) {
      untracked.push(path);
      continue;
    }
    if (statMatches(m, e)) tracked.set(path, { oid: e.oid, mode: e.mode });
    else tracked.set(path, { oid: hashBlob(repo.files.read(path)), mode: m.mode });
  }
  return { tracked, untracked };
}

/** The index as a path map (stage 0 entries). */
export function indexMap(repo: Repo): PathMap {
  const out: PathMap = new Map();
  for (const [path, e] of repo.index().entries) out.set(path, { oid: e.oid, mode: e.mode });
  return out;
}
