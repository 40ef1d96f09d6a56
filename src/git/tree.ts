/**
 * Trees as path maps, and tree-to-tree changes that skip identical subtrees (a diff between two
 * commits reads only the directories that changed). Tree objects are immutable, so flattened
 * trees are cached by oid for the life of the isolate.
 */
import { Lru } from '../utils/lru';
import type { Repo } from './repo';
import { EMPTY_TREE } from './storage/object-format';

export interface Blob {
  oid: string;
  mode: number;
}
export type PathMap = Map<string, Blob>;

export interface Change {
  path: string;
  old?: Blob;
  new?: Blob;
}

const flatCache = new WeakMap<Repo, Lru<string, PathMap>>();
/**
 * Paths kept in flattened trees per repository (~150 bytes each: ~10 MB). A count of trees would
 * not bound memory: eight flattened trees of a 20,000-file repository held ~25 MB.
 */
const FLAT_PATHS = 64 * 1024;

function modeOf(mode: string | number): number {
  return typeof mode === 'number' ? mode : parseInt(mode, 8);
}

/** Every blob (and symlink/submodule) in a tree, by full path. */
export async function flatten(repo: Repo, treeOid: string | null): Promise<PathMap> {
  if (!treeOid || treeOid === EMPTY_TREE) return new Map();
  let cache = flatCache.get(repo);
  if (!cache) flatCache.set(repo, (cache = new Lru({ maxEntries: 8, maxWeight: FLAT_PATHS, weigh: (m) => m.size + 1 })));
  const hit = cache.get(treeOid);
  if (hit) return hit;
  const out: PathMap = new Map();
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const entries = await repo.readTree(oid);
    await Promise.all(
      entries.map((e) => {
        const path = prefix + e.path;
        if (e.type === 'tree') return walk(e.oid, `${path}/`);
        out.set(path, { oid: e.oid, mode: modeOf(e.mode) });
      }),
    );
  };
  await walk(treeOid, '');
  return cache.set(treeOid, new Map([...out].sort(([a], [b]) => compare(a, b))));
}

/** Changes from tree `a` to tree `b` (either may be null = empty), sorted by path. */
export async function diffTrees(repo: Repo, a: string | null, b: string | null): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (x: string | null, y: string | null, prefix: string): Promise<void> => {
    if (x === y) return;
    const xs = x && x !== EMPTY_TREE ? await repo.readTree(x) : [];
    const ys = y && y !== EMPTY_TREE ? await repo.readTree(y) : [];
    const byName = new Map<string, { x?: (typeof xs)[number]; y?: (typeof ys)[number] }>();
    for (const e of xs) byName.set(e.path, { x: e });
    for (const e of ys) byName.set(e.path, { ...byName.get(e.path), y: e });
    const jobs: Promise<void>[] = [];
    for (const [name, { x: ex, y: ey }] of byName) {
      const path = prefix + name;
      if (ex && ey && ex.oid === ey.oid && ex.mode === ey.mode) continue;
      const xTree = ex?.type === 'tree' ? ex.oid : null;
      const yTree = ey?.type === 'tree' ? ey.oid : null;
      if (xTree || yTree) jobs.push(walk(xTree, yTree, `${path}/`));
      const xBlob = ex && ex.type !== 'tree' ? { oid: ex.oid, mode: modeOf(ex.mode) } : undefined;
      const yBlob = ey && ey.type !== 'tree' ? { oid: ey.oid, mode: modeOf(ey.mode) } : undefined;
      if (xBlob || yBlob) out.push({ path, ...(xBlob ? { old: xBlob } : {}), ...(yBlob ? { new: yBlob } : {}) });
    }
    await Promise.all(jobs);
  };
  await walk(a, b, '');
  return out.sort((p, q) => compare(p.path, q.path));
}

/** Changes between two path maps (used where one side is the index or the working tree). */
export function diffMaps(a: PathMap, b: PathMap): Change[] {
  const out: Change[] = [];
  for (const [path, x] of a) {
    const y = b.get(path);
    if (!y) out.push({ path, old: x });
    else if (x.oid !== y.oid || x.mode !== y.mode) out.push({ path, old: x, new: y });
  }
  for (const [path, y] of b) if (!a.has(path)) out.push({ path, new: y });
  return out.sort((p, q) => compare(p.path, q.path));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
