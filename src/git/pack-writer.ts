/**
 * Builds packfiles for native `git clone` / `git fetch` without ever holding the pack in memory:
 * the object list is computed first (the header needs the count), then each object is read from
 * the ObjectStore, re-framed as a pack entry (undeltified: type/size header + zlib of the
 * content) and streamed, with the SHA-1 trailer computed incrementally (crypto.DigestStream).
 *
 * Object selection is git's "interesting minus uninteresting": commits reachable from the wants
 * but not from the common haves, plus the trees and blobs of those commits that are not already
 * in the trees of the boundary commits the client has.
 */
import type { Repo } from './repo';

const TYPE_CODE: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const dec = new TextDecoder();

async function pipe(data: Uint8Array, t: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(t)).arrayBuffer());
}

/** The type and content of a stored object (inflated from its loose form). */
export async function readRaw(repo: Repo, oid: string): Promise<{ type: string; content: Uint8Array }> {
  const deflated = await repo.objects.get(oid);
  if (!deflated) throw new Error(`object ${oid} is missing`);
  const wrapped = await pipe(deflated, new DecompressionStream('deflate'));
  const nul = wrapped.indexOf(0);
  const type = dec.decode(wrapped.subarray(0, nul)).split(' ')[0];
  return { type, content: wrapped.subarray(nul + 1) };
}

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
      const { type, content } = await readRaw(repo, oid);
      if (type !== 'tag') {
        if (type === 'commit') wantCommits.push(oid);
        break;
      }
      if (!seen.has(oid)) {
        seen.add(oid);
        out.push(oid);
      }
      oid = /^object ([0-9a-f]{40})/.exec(dec.decode(content))![1];
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

/** A version-2 pack of `oids`, streamed. */
export function streamPack(repo: Repo, oids: string[]): ReadableStream<Uint8Array> {
  const digest = new crypto.DigestStream('SHA-1');
  const hash = digest.getWriter();
  let i = -1;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const emit = async (b: Uint8Array) => {
        await hash.write(b);
        controller.enqueue(b);
      };
      if (i === -1) {
        const head = new Uint8Array(12);
        head.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]);
        new DataView(head.buffer).setUint32(8, oids.length);
        await emit(head);
      } else if (i < oids.length) {
        const { type, content } = await readRaw(repo, oids[i]);
        await emit(entryHeader(TYPE_CODE[type], content.byteLength));
        await emit(await pipe(content, new CompressionStream('deflate')));
      } else {
        await hash.close();
        controller.enqueue(new Uint8Array(await digest.digest));
        controller.close();
      }
      i++;
    },
  });
}
