/**
 * A legacy session's standalone GET streams (MCP transports §listening): server-initiated messages
 * go on exactly one open stream and are stored, bounded, in the session store for Last-Event-ID
 * replay; a resumed POST stream replays and ends, a resumed GET stream replays and stays open.
 */
import type { JsonRpcMessage } from './protocol';
import type { SessionStore } from './session-store';
import { SseWriter, sseEvent } from './sse';

export class GetStreams {
  readonly #writers = new Set<SseWriter>();
  readonly #store: Pick<SessionStore, 'appendEvent' | 'eventsAfter'>;

  constructor(store: Pick<SessionStore, 'appendEvent' | 'eventsAfter'>) {
    this.#store = store;
  }

  /** GET: a new stream, or a resumed one after `lastEventId`. */
  open(lastEventId: string | null): Response {
    const writer = new SseWriter();
    if (lastEventId) {
      const replay = this.#store.eventsAfter(lastEventId);
      if (replay) for (const e of replay.events) writer.write(sseEvent(e.data, e.id));
      if (replay && replay.stream !== 'get') {
        writer.close();
        return writer.response();
      }
    }
    this.#writers.add(writer);
    writer.onClose = () => this.#writers.delete(writer);
    writer.comment('stream open');
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

  /** A notification (list_changed, resources/updated): stored for replay, sent on one open stream. */
  broadcast(method: string, params: Record<string, unknown>): void {
    const data = JSON.stringify({ jsonrpc: '2.0', method, params });
    const id = this.#store.appendEvent('get', data);
    this.#firstOpen()?.write(sseEvent(data, id));
  }

  closeAll(): void {
    for (const w of this.#writers) w.close();
    this.#writers.clear();
  }

  get size(): number {
    return this.#writers.size;
  }

  #firstOpen(): SseWriter | undefined {
    for (const w of this.#writers) if (!w.closed) return w;
    return undefined;
  }
}
