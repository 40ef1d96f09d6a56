/**
 * R2, the durable and unbounded home of every object of one repository:
 * `${tenant}/${repo}/objects/${oid[0..2]}/${oid[2..]}` holds the loose object, exactly git's
 * loose format. Content-addressed: written once, never rewritten, so no key is ever hot (R2
 * allows ~1 write/s per key).
 */
import { concatBytes } from '../../utils/bytes';
import { type PackedObject, TYPE_CODE } from './object-format';

const dec = new TextDecoder();

export class R2Objects {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly prefix: string,
  ) {}

  key(oid: string): string {
    return `${this.prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  put(oid: string, loose: Uint8Array): Promise<R2Object | null> {
    return this.bucket.put(this.key(oid), loose);
  }

  /** The loose object; throws when R2 does not have it (the objects table said it would). */
  async get(oid: string): Promise<Uint8Array> {
    const obj = await this.bucket.get(this.key(oid));
    if (!obj) throw new Error(`object ${oid} is missing from R2 (${this.key(oid)})`);
    return new Uint8Array(await obj.arrayBuffer());
  }

  /**
   * A large object as a pack entry without holding it: R2 body → inflate → drop "<type> <size>\0"
   * → deflate, streamed.
   */
  async stream(oid: string): Promise<PackedObject> {
    const obj = await this.bucket.get(this.key(oid));
    if (!obj) throw new Error(`object ${oid} is missing from R2 (${this.key(oid)})`);
    const reader = obj.body.pipeThrough(new DecompressionStream('deflate')).getReader();
    let head: Uint8Array = new Uint8Array(0);
    let nul = -1;
    while (nul < 0) {
      const { value, done } = await reader.read();
      if (done || head.byteLength > 64) throw new Error(`object ${oid} in R2 is not a loose git object`);
      head = concatBytes([head, value]);
      nul = head.indexOf(0);
    }
    const [name, size] = dec.decode(head.subarray(0, nul)).split(' ');
    if (!TYPE_CODE[name] || !/^\d+$/.test(size)) throw new Error(`object ${oid} in R2 is not a loose git object`);
    const rest = head.subarray(nul + 1);
    const content = new ReadableStream<Uint8Array>({
      start: (c) => void (rest.byteLength && c.enqueue(rest)),
      pull: async (c) => {
        const { value, done } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel: (why) => reader.cancel(why),
    });
    return { oid, type: TYPE_CODE[name], size: Number(size), stream: content.pipeThrough(new CompressionStream('deflate')) };
  }
}
