/**
 * Packfiles arriving from a remote (clone/fetch) or from a native `git push` are exploded into
 * loose objects in the ObjectStore, then deleted: after that every object is one row / one R2
 * key and reads never load a whole pack (pack-reader.ts does the work).
 *
 * Crash safety: packs that isomorphic-git's clone/fetch wrote live in FileStore (durable) until
 * exploded; `explodePacks` runs after every transfer and before the next write if one was left.
 * Packs pushed by native git never touch FileStore: receive-pack explodes them from memory.
 */
import { explodePack } from './pack-reader';
import type { Repo } from './repo';

const PACK_DIR = '.git/objects/pack';

export function hasPacks(repo: Repo): boolean {
  return repo.files.get(PACK_DIR) !== undefined && repo.files.list(PACK_DIR).some((n) => n.endsWith('.pack'));
}

/** Explodes every pack left in `.git/objects/pack`; returns the number of new objects. */
export async function explodePacks(repo: Repo): Promise<number> {
  if (!hasPacks(repo)) return 0;
  let written = 0;
  for (const name of repo.files.list(PACK_DIR).filter((n) => n.endsWith('.pack'))) {
    written += await explodePack(repo, repo.files.read(`${PACK_DIR}/${name}`));
  }
  // Only now, with every object loose, drop the packs (and isomorphic-git's cached pack indexes).
  for (const name of repo.files.list(PACK_DIR)) if (/\.(pack|idx|keep)$/.test(name)) repo.files.unlink(`${PACK_DIR}/${name}`);
  repo.resetCache();
  return written;
}
