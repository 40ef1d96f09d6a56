/**
 * Which objects a native `git clone` / `git fetch` gets (pack-writer.ts encodes them): git's
 * "interesting minus uninteresting" — commits reachable from the wants but not from the common
 * haves, plus the trees and blobs of those commits that are not already in the trees of the
 * boundary commits the client has.
 *
 * The walk reads only the links it needs (a commit's tree and parents, a tree's entry ids) from
 * the parsed caches when they hold them, else from pack-ready rows in batches: a cold clone of
 * 1,000 commits / 10,000 trees costs a few hundred queries, not one read and one full parse per
 * object. What it learns is kept per repository (WalkCache) for the next clone.
 */

import { writeHex } from '../utils/bytes';
import { Lru } from '../utils/lru';
import { tagTarget } from './parse';
import type { Repo } from './repo';
import { TYPE_CODE } from './storage/object-format';
import { inflate } from './zlib';

const WALK_CHUNK = 512;
/** Byte budget of one repository's walk cache (child ids of trees, as hex). */
const WALK_CACHE_BYTES = 16 * 1024 * 1024;
/** Longest object list kept for repeated full clones (~100 bytes of memory per id: ≤ 10 MB). */
const FULL_LIST_MAX = 100_000;
const dec = new TextDecoder();

/** What a clone needs of a commit: its tree and parents. */
interface Links {
  tree: string;
  parents: string[];
}
/** What a clone needs of a tree: the ids of its subtrees and blobs, each list one string of 40-char hex ids. */
interface Kids {
  trees: string;
  blobs: string;
}

/**
 * The walk's memory of one repository, kept across clones: compact (a tree costs one string per
 * kind of child, not one object per entry) and bounded by bytes (least recently used first out).
 */
class WalkCache {
  readonly links = new Lru<string, Links>({ maxEntries: 16384 });
  /** Children of trees, weighed as their hex characters plus ~100 bytes for the entry itself. */
  readonly trees = new Lru<string, Kids>({ maxWeight: WALK_CACHE_BYTES, weigh: (k) => k.trees.length + k.blobs.length + 100 });
  /** The object list of the last full clone (no haves), by its wants: repeated clones skip the walk. */
  full: { wants: string; oids: string[] } | null = null;
}
const walkCaches = new WeakMap<Repo, WalkCache>();

function scanCommit(content: Uint8Array): Links {
  const text = dec.decode(content.subarray(0, Math.min(content.byteLength, 64 * 1024)));
  const out: Links = { tree: '', parents: [] };
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf('\n', at);
    const line = text.slice(at, nl < 0 ? text.length : nl);
    if (line.startsWith('tree ')) out.tree = line.slice(5, 45);
    else if (line.startsWith('parent ')) out.parents.push(line.slice(7, 47));
    else break; // author, committer, … follow the tree and parents
    at = nl < 0 ? text.length : nl + 1;
  }
  if (!out.tree) throw new Error('malformed commit: no tree');
  return out;
}

/** Subtrees and blobs of a raw tree, hex-encoded in bulk (gitlinks skipped: their commits live elsewhere). */
function scanTree(c: Uint8Array): Kids {
  const trees = new Uint8Array(Math.ceil(c.byteLength / 22) * 40 + 40);
  const blobs = new Uint8Array(trees.byteLength);
  let nt = 0;
  let nb = 0;
  for (let at = 0; at < c.byteLength; ) {
    const nul = c.indexOf(0, at);
    if (nul < 0 || nul + 21 > c.byteLength) throw new Error('malformed tree');
    const isTree = c[at] === 0x34; // 40000
    if (isTree || !(c[at] === 0x31 && c[at + 1] === 0x36)) {
      // not a gitlink (160000)
      if (isTree) nt = writeHex(c, nul + 1, nul + 21, trees, nt);
      else nb = writeHex(c, nul + 1, nul + 21, blobs, nb);
    }
    at = nul + 21;
  }
  return { trees: dec.decode(trees.subarray(0, nt)), blobs: dec.decode(blobs.subarray(0, nb)) };
}

async function commitLinks(repo: Repo, cache: WalkCache, oid: string): Promise<Links> {
  const hit = cache.links.get(oid);
  if (hit) return hit;
  const parsed = repo.commits.get(oid);
  if (parsed) return cache.links.set(oid, { tree: parsed.tree, parents: parsed.parent });
  for await (const [p] of repo.objects.packed([oid])) {
    if (p.type !== TYPE_CODE.commit) throw new Error(`object ${oid} is not a commit`);
    return cache.links.set(oid, scanCommit(inflate(p.data!)));
  }
  throw new Error(`commit ${oid} is missing`);
}

/** Children of `trees`: walk-cache hits, misses read in batches of pack-ready rows (one query per 64) and scanned. */
async function treeKids(repo: Repo, cache: WalkCache, trees: string[]): Promise<Map<string, Kids>> {
  const out = new Map<string, Kids>();
  const miss: string[] = [];
  for (const oid of trees) {
    const hit = cache.trees.get(oid);
    if (hit) out.set(oid, hit);
    else miss.push(oid);
  }
  for await (const batch of repo.objects.packed(miss)) {
    for (const p of batch) {
      if (p.type !== TYPE_CODE.tree) throw new Error(`object ${p.oid} is not a tree`);
      const k = scanTree(p.data ? inflate(p.data) : new Uint8Array(await new Response(p.stream).arrayBuffer()));
      if (!cache.trees.has(p.oid)) cache.trees.set(p.oid, k);
      out.set(p.oid, k);
    }
  }
  return out;
}

async function ancestors(repo: Repo, cache: WalkCache, starts: string[], stop: Set<string> = new Set()): Promise<Set<string>> {
  const seen = new Set<string>();
  let frontier = starts.filter((o) => !stop.has(o));
  while (frontier.length) {
    const next: string[] = [];
    for (const oid of frontier) {
      if (seen.has(oid)) continue;
      seen.add(oid);
      for (const p of (await commitLinks(repo, cache, oid)).parents) if (!seen.has(p) && !stop.has(p)) next.push(p);
    }
    frontier = next;
  }
  return seen;
}

/**
 * Object ids to send for `wants` when the client already has `haves` (commits or tags): tags,
 * then commits, then trees and blobs level by level (breadth-first, read in batches).
 */
export async function collectObjects(repo: Repo, wants: string[], haves: string[]): Promise<string[]> {
  let cache = walkCaches.get(repo);
  if (!cache) walkCaches.set(repo, (cache = new WalkCache()));
  const key = [...new Set(wants)].sort().join(' ');
  if (!haves.length && cache.full?.wants === key) return cache.full.oids;
  const out = await walkObjects(repo, cache, wants, haves);
  // Objects reachable from fixed commits never change: the list stays right for these wants.
  if (!haves.length && out.length <= FULL_LIST_MAX) cache.full = { wants: key, oids: out };
  return out;
}

async function walkObjects(repo: Repo, cache: WalkCache, wants: string[], haves: string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const wantCommits: string[] = [];
  for (let oid of wants) {
    for (let i = 0; i < 10; i++) {
      const { type, content } = await repo.readRaw(oid);
      if (type !== 'tag') {
        if (type === 'commit') wantCommits.push(oid);
        break;
      }
      if (!seen.has(oid)) {
        seen.add(oid);
        out.push(oid);
      }
      oid = tagTarget(content);
    }
  }
  const uninteresting = await ancestors(
    repo,
    cache,
    haves.filter((h) => repo.objects.has(h)),
  );
  const interesting = await ancestors(repo, cache, wantCommits, uninteresting);
  const walk = async (roots: string[], emit: boolean): Promise<void> => {
    let level = roots;
    while (level.length) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += WALK_CHUNK) {
        const chunk: string[] = [];
        for (const t of level.slice(i, i + WALK_CHUNK)) {
          if (seen.has(t)) continue;
          seen.add(t);
          chunk.push(t);
          if (emit) out.push(t);
        }
        const kids = await treeKids(repo, cache, chunk);
        for (const t of chunk) {
          const k = kids.get(t)!;
          for (let at = 0; at < k.trees.length; at += 40) {
            const sub = k.trees.slice(at, at + 40);
            if (!seen.has(sub)) next.push(sub);
          }
          for (let at = 0; at < k.blobs.length; at += 40) {
            const b = k.blobs.slice(at, at + 40);
            if (seen.has(b)) continue;
            seen.add(b);
            if (emit) out.push(b);
          }
        }
      }
      level = next;
    }
  };
  // Trees of the boundary commits the client has: everything in them is already there.
  const boundary: string[] = [];
  for (const oid of interesting) {
    for (const p of (await commitLinks(repo, cache, oid)).parents) if (uninteresting.has(p)) boundary.push((await commitLinks(repo, cache, p)).tree);
  }
  await walk(boundary, false);
  const roots: string[] = [];
  for (const oid of interesting) {
    out.push(oid);
    seen.add(oid);
    roots.push((await commitLinks(repo, cache, oid)).tree);
  }
  await walk(roots, true);
  return out;
}
