/**
 * Packfiles arriving from a remote (clone/fetch) or from a native `git push` are exploded into
 * loose objects in the ObjectStore, then deleted: after that every object is one row / one R2
 * key and reads never load a whole pack. A pack is indexed in memory once (isomorphic-git's
 * indexPack), which bounds the size of a single transfer, not of the repository.
 *
 * Crash safety: packs live in FileStore (durable) until exploded; `explodePacks` runs after
 * every transfer and again when a repository is opened with leftover packs.
 */
import git from 'isomorphic-git';
import type { Repo } from './repo';

const PACK_DIR = '.git/objects/pack';

/** Object ids listed in a version-2 pack index. */
export function idxOids(idx: Uint8Array): string[] {
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (view.getUint32(0) !== 0xff744f63 || view.getUint32(4) !== 2) throw new Error('unsupported pack index version');
  const count = view.getUint32(8 + 255 * 4);
  const out: string[] = [];
  const base = 8 + 256 * 4;
  for (let i = 0; i < count; i++) {
    let hex = '';
    for (const b of idx.subarray(base + i * 20, base + i * 20 + 20)) hex += (b < 16 ? '0' : '') + b.toString(16);
    out.push(hex);
  }
  return out;
}

export function hasPacks(repo: Repo): boolean {
  return repo.files.get(PACK_DIR) !== undefined && repo.files.list(PACK_DIR).some((n) => n.endsWith('.pack'));
}

/** Indexes (if needed) and explodes every pack; returns the number of objects written. */
export async function explodePacks(repo: Repo): Promise<number> {
  if (!hasPacks(repo)) return 0;
  let written = 0;
  for (const name of repo.files.list(PACK_DIR).filter((n) => n.endsWith('.pack'))) {
    const idxPath = `${PACK_DIR}/${name.replace(/\.pack$/, '.idx')}`;
    if (!repo.files.get(idxPath)) await git.indexPack({ ...repo.opts, filepath: `.git/objects/pack/${name}` });
    for (const oid of idxOids(repo.files.read(idxPath))) {
      if (repo.objects.has(oid)) continue;
      const { type, object } = await git.readObject({ ...repo.opts, oid, format: 'content' });
      await git.writeObject({ ...repo.opts, type: type as 'blob', object: object as Uint8Array, format: 'content' });
      written++;
    }
  }
  // Only now, with every object loose, drop the packs (and isomorphic-git's cached pack indexes).
  for (const name of repo.files.list(PACK_DIR)) if (/\.(pack|idx|keep)$/.test(name)) repo.files.unlink(`${PACK_DIR}/${name}`);
  repo.resetCache();
  return written;
}
