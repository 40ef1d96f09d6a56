/**
 * Incremental SSE parsing of a response body (WHATWG HTML §9.2.6) with `eventsource-parser`, the
 * parser the MCP SDK itself uses. Bytes are read straight from the body's reader and decoded as
 * they come (no TransformStream pipes: each pipe costs a promise round per chunk in the runtime).
 * Measured against the hand-written parser this replaced (Node 22, 20,000 events / 10.2 MB in
 * 16 KiB chunks, median of 8 interleaved runs): 21.3 ms vs 38.3 ms.
 *
 * On top of the parser: the stream's last event id is carried onto later events (as EventSource
 * does), a `retry:` value rides on the next event, and a last event the stream did not close with
 * a blank line is still delivered (lenient at the end, like the SDK's transports).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  /** The event's data lines joined with \n ('' when it had none). */
  data: string;
  /** The stream's last event ID so far (the latest `id:` field), if any. */
  id?: string;
  /** `event:` type, if given (absent means "message"). */
  event?: string;
  /** The latest `retry:` reconnection time in ms seen since the previous event. */
  retry?: number;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  let lastId: string | undefined;
  let retry: number | undefined;
  const parser = createParser({
    onEvent(e: EventSourceMessage) {
      if (e.id !== undefined) lastId = e.id;
      const ev: SseEvent = { data: e.data };
      if (lastId !== undefined) ev.id = lastId;
      if (e.event !== undefined) ev.event = e.event;
      if (retry !== undefined) ev.retry = retry;
      retry = undefined;
      queue.push(ev);
    },
    onRetry(ms) {
      retry = ms;
    },
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift() as SseEvent;
    }
    // The end of the stream ends the last event, closed by a blank line or not.
    parser.feed(`${decoder.decode()}\n\n`);
    while (queue.length) yield queue.shift() as SseEvent;
  } finally {
    reader.cancel().catch(() => {});
  }
}
