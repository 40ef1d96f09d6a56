/**
 * Encodes packfiles for native `git clone` / `git fetch` without ever holding the pack in memory:
 * the object list (pack-walk.ts) comes first, since the header needs the count; then the entries
 * are streamed from the ObjectStore's pack-ready form (`ObjectStore.packed`: type/size header +
 * the stored zlib of the content, no per-clone compression; undeltified), ~64 KB per chunk, with
 * the SHA-1 trailer computed incrementally.
 */

import { concatBytes } from '../utils/bytes';
import type { Repo } from './repo';
import type { PackedObject } from './storage/object-format';
import { sha1 } from './zlib';

const CHUNK = 64 * 1024;

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

/** A version-2 pack of `oids`, streamed in chunks of ~64 KB and up. */
export function streamPack(repo: Repo, oids: string[]): ReadableStream<Uint8Array> {
  const hash = sha1();
  const batches = repo.objects.packed(oids);
  let queue: PackedObject[] = [];
  let q = 0;
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
      let stream: ReadableStream<Uint8Array> | undefined;
      while (size < CHUNK && !stream) {
        if (q >= queue.length) {
          const r = await batches.next();
          if (r.done) break;
          queue = r.value;
          q = 0;
          continue;
        }
        const o = queue[q++];
        sent++;
        const header = entryHeader(o.type, o.size);
        parts.push(header);
        size += header.byteLength;
        if (o.stream) stream = o.stream;
        else {
          parts.push(o.data!);
          size += o.data!.byteLength;
        }
      }
      if (parts.length) emit(concatBytes(parts, size));
      if (stream) big = stream.getReader();
      else if (size < CHUNK) {
        if (sent !== oids.length) throw new Error(`pack: ${sent} of ${oids.length} objects written`);
        controller.enqueue(hash.digest());
        controller.close();
      }
    },
    async cancel(reason) {
      await big?.cancel(reason);
      await batches.return(undefined);
    },
  });
}
