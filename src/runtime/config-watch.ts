/**
 * Config changes to sessions over one long-lived byte stream each, instead of one RPC each.
 *
 * A session with a GET stream open (its client is listening) watches its tenant's config: the
 * Config DO hands it a ReadableStream and, on every change, writes the new snapshot to all such
 * streams as one line each (`{version}\t{snapshot JSON}\n`). Under wrangler dev a DO RPC cost the
 * Config DO ~0.4 ms of thread time per session, a chunk on an open stream a small fraction of that
 * (test/bench/scale.mjs, docs/capacity.md); on the platform a watcher is no subrequest of the
 * fan-out either. Sessions without a watch (no stream open, or their watch broke) still get the RPC
 * push (session-fanout.ts), so a lost watch only costs speed: the Config DO pushes by RPC to every
 * registered session it holds no open watch for.
 */
import type { SnapshotText } from '../config/schema';

const enc = new TextEncoder();

/** One line per snapshot: the version, a tab, the snapshot JSON (which has no raw newline). */
export function watchFrame(s: SnapshotText): Uint8Array {
  return enc.encode(`${s.version}\t${s.text}\n`);
}

/** Config DO side: the open watches of one tenant's sessions, by session id. */
export class ConfigWatchers {
  readonly #open = new Map<string, { gen: number; writer: WritableStreamDefaultWriter<Uint8Array> }>();

  /** `lost(session, s)`: a frame could not be written (the watch broke unannounced): push it by RPC. */
  constructor(private readonly lost: (session: string, s: SnapshotText) => void) {}

  get size(): number {
    return this.#open.size;
  }

  /** Watch `gen` of `session` (replacing an older one of it), first carrying `current` if given. */
  open(session: string, gen: number, current: SnapshotText | null): ReadableStream<Uint8Array> {
    this.close(session);
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const entry = { gen, writer: writable.getWriter() };
    this.#open.set(session, entry);
    if (current) this.#write(session, entry, current, watchFrame(current));
    return readable;
  }

  /**
   * The session ended watch `gen` (its last GET stream closed). Said explicitly: a cancel of the
   * stream on the far side of an RPC reaches this side only with the next write.
   */
  close(session: string, gen?: number): void {
    const entry = this.#open.get(session);
    if (!entry || (gen !== undefined && entry.gen !== gen)) return;
    this.#open.delete(session);
    entry.writer.close().catch(() => {});
  }

  /** Writes `s` to every open watch; returns the sessions written to (the rest need an RPC push). */
  push(s: SnapshotText): Set<string> {
    const frame = watchFrame(s);
    for (const [session, entry] of this.#open) this.#write(session, entry, s, frame);
    return new Set(this.#open.keys());
  }

  #write(session: string, entry: { gen: number; writer: WritableStreamDefaultWriter<Uint8Array> }, s: SnapshotText, frame: Uint8Array): void {
    // Not awaited (a slow reader must not hold up the others), yet ordered on its stream. A watch
    // that broke without a word fails here: dropped, and this change goes by RPC instead.
    entry.writer.write(frame).catch(() => {
      if (this.#open.get(session) !== entry) return;
      this.#open.delete(session);
      this.lost(session, s);
    });
  }
}

/**
 * Session side: holds at most one watch while the session's GET stream is open. `open(known, gen)`
 * asks the Config DO for watch number `gen` (it sends the current snapshot at once when newer than
 * `known`; -1: nothing now), `close(gen)` ends it there, `apply` installs each snapshot in order.
 */
export class ConfigWatch {
  #reader: { cancel(): Promise<void> } | null = null;
  #running = false;
  #gen = 0;

  constructor(
    private readonly link: {
      open(known: number, gen: number): Promise<ReadableStream<Uint8Array>>;
      close(gen: number): Promise<void>;
      apply(s: SnapshotText): Promise<void>;
    },
  ) {}

  get active(): boolean {
    return this.#running;
  }

  start(known: number): void {
    if (this.#running) return;
    this.#running = true;
    void this.#run(known, ++this.#gen);
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#reader?.cancel().catch(() => {});
    this.#reader = null;
    this.link.close(this.#gen).catch(() => {});
  }

  async #run(known: number, gen: number): Promise<void> {
    try {
      const reader = (await this.link.open(known, gen)).pipeThrough(new TextDecoderStream()).getReader();
      if (!this.#running || gen !== this.#gen) return void reader.cancel().catch(() => {});
      this.#reader = reader;
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done || gen !== this.#gen) break;
        buf += value;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const tab = line.indexOf('\t');
          await this.link.apply({ version: Number(line.slice(0, tab)), text: line.slice(tab + 1) });
        }
      }
    } catch {
      // The Config DO restarted or the stream broke: this session is pushed to by RPC again.
    } finally {
      if (gen === this.#gen) {
        this.#running = false;
        this.#reader = null;
      }
    }
  }
}
