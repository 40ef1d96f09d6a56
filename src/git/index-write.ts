/**
 * Index updates for add / rm / reset without isomorphic-git's per-call index round trip: the
 * parsed index (index-file.ts) is edited in memory and serialised once (version 2, stage-0
 * entries, SHA-1 trailer), and the new parse is handed to the Repo so nothing is re-read.
 * Entry stats come from FileStore metadata exactly as `toStats` reports them to isomorphic-git,
 * so its checkout/merge (which still write the index themselves) agree with ours.
 *
 * Invariant: only used when the index has no conflict stages (edgehub never writes them; an
 * index that has them is left to isomorphic-git).
 */
import { compareBytes, hexToBytes } from '../utils/bytes';
import type { IndexEntry, ParsedIndex } from './index-file';
import type { Repo } from './repo';
import type { Meta } from './storage/files';
import { sha1 } from './zlib';

const enc = new TextEncoder();

export function entryFor(path: string, oid: string, mode: number, m?: Meta): IndexEntry {
  const s = m ? Math.floor(m.mtimeUs / 1e6) % 2 ** 32 : 0;
  const ns = m ? ((m.mtimeUs % 1e6) * 1000) % 2 ** 32 : 0;
  return {
    path,
    oid,
    mode,
    stage: 0,
    ctimeSeconds: s,
    ctimeNanoseconds: ns,
    mtimeSeconds: s,
    mtimeNanoseconds: ns,
    dev: m ? 1 : 0,
    ino: m ? m.ino % 2 ** 32 : 0,
    uid: m ? 1 : 0,
    gid: m ? 1 : 0,
    size: m ? m.size % 2 ** 32 : 0,
  };
}

function serializeIndex(entries: Iterable<IndexEntry>): Uint8Array {
  const list = [...entries].map((e) => ({ e, path: enc.encode(e.path) })).sort((x, y) => compareBytes(x.path, y.path));
  const size = 12 + list.reduce((n, x) => n + Math.ceil((62 + x.path.byteLength + 1) / 8) * 8, 0) + 20;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  buf.set([0x44, 0x49, 0x52, 0x43]); // DIRC
  view.setUint32(4, 2);
  view.setUint32(8, list.length);
  let at = 12;
  for (const { e, path } of list) {
    const fields = [e.ctimeSeconds, e.ctimeNanoseconds, e.mtimeSeconds, e.mtimeNanoseconds, e.dev, e.ino, e.mode, e.uid, e.gid, e.size];
    fields.forEach((v, i) => view.setUint32(at + i * 4, v >>> 0));
    hexToBytes(e.oid, buf, at + 40);
    view.setUint16(at + 60, Math.min(path.byteLength, 0xfff));
    buf.set(path, at + 62);
    at += Math.ceil((62 + path.byteLength + 1) / 8) * 8; // NUL padding is already zero
  }
  const h = sha1();
  h.update(buf.subarray(0, at));
  buf.set(h.digest(), at);
  return buf;
}

/** A mutable copy of the current stage-0 index, or null if it has conflict stages. */
export function editableIndex(repo: Repo): Map<string, IndexEntry> | null {
  const idx = repo.index();
  return idx.unmerged.size ? null : new Map(idx.entries);
}

export function saveIndex(repo: Repo, entries: Map<string, IndexEntry>): void {
  const parsed: ParsedIndex = { entries, unmerged: new Set() };
  repo.setIndex(serializeIndex(entries.values()), parsed);
}

/** Stores the working-tree file at `path` as a blob and returns its index entry. */
export async function stageFile(repo: Repo, path: string): Promise<IndexEntry> {
  const m = repo.files.require(path, 'open');
  return entryFor(path, await repo.writeObject('blob', repo.files.read(path)), m.mode, m);
}
