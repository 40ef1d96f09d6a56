/**
 * A legacy session's standalone GET streams (MCP transports §listening): server-initiated messages
 * go on exactly one open stream and are stored, bounded, in the session store for Last-Event-ID
 * replay; a resumed POST stream replays and ends, a resumed GET stream replays and stays open.
 *
 * list_changed is a hint ("list again"), and the one message a config change sends to every
 * session at once: with a stream open it is written without an id and not stored, so a fan-out to
 * N sessions costs no N storage commits (those set its pace: docs/capacity.md). A hint can then be
 * lost with a dropping connection, so the next GET stream repeats the kinds hinted since the last
 * one, and all three when this object cannot vouch for the gap: it restarted since the session's
 * last stream. With no stream open a hint is stored and replayed like any message.
 *
 * Open streams get a keepalive comment (SSE_KEEPALIVE_MS): a client that went away is noticed only
 * by a failed write, and until then its stream pins the session's object in memory.
 */
import { type JsonRpcMessage, LIST_CHANGED, LIST_KINDS, type ListKind } from './protocol';
import type { SessionStore } from './session-store';
import { SSE_KEEPALIVE_MS, SseWriter, sseEvent, sseEvents } from './sse';

export class GetStreams {
  readonly #writers = new Set<SseWriter>();
  readonly #store: Pick<SessionStore, 'appendEvent' | 'appendEvents' | 'eventsAfter'>;
  /** Kinds hinted without storing since the last stream opened; whether this object held one. */
  readonly #hinted = new Set<ListKind>();
  #held = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    store: Pick<SessionStore, 'appendEvent' | 'appendEvents' | 'eventsAfter'>,
    /** The last open stream closed (the host stops what it keeps for listening clients). */
    private readonly onEmpty: () => void = () => {},
  ) {
    this.#store = store;
  }

  /** GET: a new stream, or a resumed one after `lastEventId`; `streamedBefore`: by an earlier object too. */
  open(lastEventId: string | null, streamedBefore = false): Response {
    const writer = new SseWriter();
    if (lastEventId) {
      const replay = this.#store.eventsAfter(lastEventId);
      if (replay) for (const e of replay.events) writer.write(sseEvent(e.data, e.id));
      if (replay && replay.stream !== 'get') {
        writer.close();
        return writer.response();
      }
    }
    const again = (lastEventId || streamedBefore) && !this.#held ? LIST_KINDS : [...this.#hinted];
    this.#hinted.clear();
    this.#held = true;
    this.#writers.add(writer);
    writer.onClose = () => {
      if (!this.#writers.delete(writer) || this.#writers.size > 0) return;
      this.#stopTimer();
      this.onEmpty();
    };
    this.#timer ??= setInterval(() => {
      for (const w of this.#writers) w.comment();
    }, SSE_KEEPALIVE_MS);
    writer.comment('stream open');
    if (again.length) writer.write(sseEvents(again.map((k) => ({ data: listChanged(k) }))));
    return writer.response();
  }

  /** A server→client request: sent (and stored) on one open stream; false when none is open. */
  send(message: JsonRpcMessage): boolean {
    const w = this.#firstOpen();
    if (!w) return false;
    const data = JSON.stringify(message);
    w.write(sseEvent(data, this.#store.appendEvent('get', data)));
    return true;
  }

  /** A notification (resources/updated, task status): stored for replay, sent on one open stream. */
  broadcast(method: string, params: Record<string, unknown>): void {
    const data = JSON.stringify({ jsonrpc: '2.0', method, params });
    const id = this.#store.appendEvent('get', data);
    this.#firstOpen()?.write(sseEvent(data, id));
  }

  /** The client's lists changed: a hint, unstored while a stream is open (see above). */
  listsChanged(kinds: readonly ListKind[] = LIST_KINDS): void {
    const data = kinds.map(listChanged);
    const w = this.#firstOpen();
    if (!w) {
      this.#store.appendEvents('get', data);
      return;
    }
    for (const k of kinds) this.#hinted.add(k);
    w.write(sseEvents(data.map((d) => ({ data: d }))));
  }

  /** Closes every stream (each close runs its onClose: the last one stops the timer and calls onEmpty). */
  closeAll(): void {
    for (const w of this.#writers) w.close();
    this.#writers.clear();
    this.#stopTimer();
  }

  get size(): number {
    return this.#writers.size;
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #firstOpen(): SseWriter | undefined {
    for (const w of this.#writers) if (!w.closed) return w;
    return undefined;
  }
}

const listChanged = (kind: ListKind) => JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED[kind], params: {} });
