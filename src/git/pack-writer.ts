/**
 * Builds packfiles for native `git clone` / `git fetch` without ever holding the pack in memory:
 * the object list is computed first (the header needs the count), then the entries are streamed
 * from the ObjectStore's pack-ready form (`ObjectStore.packed`: type/size header + the stored
 * zlib of the content, no per-clone compression; undeltified), ~64 KB per chunk, with the SHA-1
 * trailer computed incrementally.
 *
 * Object selection is git's "interesting minus uninteresting": commits reachable from the wants
 * but not from the common haves, plus the trees and blobs of those commits that are not already
 * in the trees of the boundary commits the client has.
 */
import type { Repo } from './repo';

import { tagTarget } from './parse';
import type { PackedObject } from './storage/objects';
import { sha1 } from './zlib';

const CHUNK = 64 * 1024;

async function ancestors(repo: Repo, starts: string[], stop: Set<string> = new Set()): Promise<Set<string>> {
  const seen = new Set<string>();
  let frontier = starts.filter((o) => !stop.has(o));
  while (frontier.length) {
    const next: string[] = [];
    for (const oid of frontier) {
      if (seen.has(oid)) continue;
      seen.add(oid);
      for (const p of (await repo.readCommit(oid)).parent) if (!seen.has(p) && !stop.has(p)) next.push(p);
    }
    frontier = next;
  }
  return seen;
}

/** Object ids to send for `wants` when the client already has `haves` (commits or tags). */
export async function collectObjects(repo: Repo, wants: string[], haves: string[]): Promise<string[]> {
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
  const uninteresting = await ancestors(repo, haves.filter((h) => repo.objects.has(h)));
  const interesting = await ancestors(repo, wantCommits, uninteresting);
  const walk = async (tree: string, emit: boolean): Promise<void> => {
    if (seen.has(tree)) return;
    seen.add(tree);
    if (emit) out.push(tree);
    for (const e of await repo.readTree(tree)) {
      if (e.type === 'tree') await walk(e.oid, emit);
      else if (e.type === 'blob' && !seen.has(e.oid)) {
        seen.add(e.oid);
        if (emit) out.push(e.oid);
      }
    }
  };
  // Trees of the boundary commits the client has: everything in them is already there.
  for (const oid of interesting) {
    for (const p of (await repo.readCommit(oid)).parent) if (uninteresting.has(p)) await walk((await repo.readCommit(p)).tree, false);
  }
  for (const oid of interesting) {
    out.push(oid);
    await walk((await repo.readCommit(oid)).tree, true);
  }
  return out;
}

function entryHeader(type: number, size: number): Uint8Array {
  const bytes: number[] = [];
  let b = (type << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(b | 0x80);
    b = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(b);
  return new Uint8Array(bytes);
}

/** A version-2 pack of `oids`, streamed in ~64 KB chunks. */
export function streamPack(repo: Repo, oids: string[]): ReadableStream<Uint8Array> {
  const hash = sha1();
  const entries = repo.objects.packed(oids);
  let sent = 0;
  let big: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const head = new Uint8Array(12);
      head.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]);
      new DataView(head.buffer).setUint32(8, oids.length);
      hash.update(head);
      controller.enqueue(head);
    },
    async pull(controller) {
      const emit = (b: Uint8Array) => {
        hash.update(b);
        controller.enqueue(b);
      };
      // A large object streamed from R2 goes out chunk by chunk as it is compressed.
      if (big) {
        const { value, done } = await big.read();
        if (!done) return emit(value);
        big = null;
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      let next: PackedObject | null = null;
      while (size < CHUNK) {
        const r = await entries.next();
        if (r.done) break;
        sent++;
        const header = entryHeader(r.value.type, r.value.size);
        parts.push(header);
        size += header.byteLength;
        if (r.value.stream) {
          next = r.value;
          break;
        }
        parts.push(r.value.data!);
        size += r.value.data!.byteLength;
      }
      if (parts.length) {
        const chunk = new Uint8Array(size);
        let at = 0;
        for (const p of parts) {
          chunk.set(p, at);
          at += p.byteLength;
        }
        emit(chunk);
      }
      if (next) big = next.stream!.getReader();
      else if (sent >= oids.length || size < CHUNK) {
        if (sent !== oids.length) throw new Error(`pack: ${sent} of ${oids.length} objects written`);
        controller.enqueue(hash.digest());
        controller.close();
      }
    },
    async cancel(reason) {
      await big?.cancel(reason);
      await entries.return(undefined);
    },
  });
}
