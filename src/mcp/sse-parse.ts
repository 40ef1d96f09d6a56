/**
 * Incremental SSE parsing (WHATWG HTML §9.2.6, "interpreting an event stream") of a response
 * body. Reads bytes straight from the body's reader and decodes them as they come (no
 * TransformStream pipes: each pipe costs a promise round per chunk in the runtime).
 * Lenient at the end: a last event not closed by a blank line is still delivered.
 */
export interface SseEvent {
  /** The event's data lines joined with \n ('' when it had none). */
  data: string;
  /** The stream's last event ID so far (the latest `id:` field), if any. */
  id?: string;
  /** `event:` type, if given (absent means "message"). */
  event?: string;
  /** `retry:` reconnection time in ms, when this event carried one. */
  retry?: number;
}

/** Accumulates fields line by line; `line('')` completes an event. */
class EventBuilder {
  #data: string[] = [];
  #pending = false;
  #lastId: string | undefined;
  #event: string | undefined;
  #retry: number | undefined;

  line(line: string): SseEvent | null {
    if (line === '') return this.flush();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) this.#lastId = value;
    else if (field === 'event') this.#event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.#retry = Number(value);
    else return null;
    this.#pending = true;
    return null;
  }

  flush(): SseEvent | null {
    if (!this.#pending) return null;
    const ev: SseEvent = { data: this.#data.join('\n') };
    if (this.#lastId !== undefined) ev.id = this.#lastId;
    if (this.#event !== undefined) ev.event = this.#event;
    if (this.#retry !== undefined) ev.retry = this.#retry;
    this.#data = [];
    this.#pending = false;
    this.#event = undefined;
    this.#retry = undefined;
    return ev;
  }
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events = new EventBuilder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const nl = lineEnd(buf);
        if (nl < 0) break;
        // A CR at the end of what arrived may be the first half of a CRLF: wait for the next chunk.
        if (buf[nl] === '\r' && nl === buf.length - 1 && !done) break;
        const line = buf.slice(0, nl);
        buf = buf.slice(buf[nl] === '\r' && buf[nl + 1] === '\n' ? nl + 2 : nl + 1);
        const ev = events.line(line);
        if (ev) yield ev;
      }
      if (done) break;
    }
    if (buf) events.line(buf);
    const last = events.flush();
    if (last) yield last;
  } finally {
    reader.cancel().catch(() => {});
  }
}

function lineEnd(s: string): number {
  const n = s.indexOf('\n');
  const r = s.indexOf('\r');
  return r < 0 ? n : n < 0 ? r : Math.min(n, r);
}
