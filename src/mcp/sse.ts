/**
 * Server-Sent Events framing (WHATWG HTML §9.2) for MCP streams.
 * A `SseWriter` owns one response stream; writes after close are dropped (the client went away),
 * and `closed` tells the owner so it can stop producing.
 */
const enc = new TextEncoder();

export function sseEvent(data: string, id?: string, event = 'message'): Uint8Array {
  return enc.encode(sseText(data, id, event));
}

/** Several `message` events as one chunk (one write, one trip through every stream hop). */
export function sseEvents(events: readonly { data: string; id?: string }[]): Uint8Array {
  return enc.encode(events.map((e) => sseText(e.data, e.id)).join(''));
}

function sseText(data: string, id?: string, event = 'message'): string {
  let s = '';
  if (id !== undefined) s += `id: ${id}\n`;
  if (event !== 'message') s += `event: ${event}\n`;
  return `${s}data: ${data}\n\n`;
}

/**
 * A comment on every open stream this often: keeps proxies from timing out an idle stream and finds
 * a client that went away. Its disconnect does not reach the object holding the stream (measured
 * under workerd: docs/capacity.md, "Idle sessions"), only a failed write does, and until then the
 * open response keeps that object in memory.
 */
export const SSE_KEEPALIVE_MS = 15_000;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
} as const;

export class SseWriter {
  readonly readable: ReadableStream<Uint8Array>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;
  onClose?: () => void;

  constructor() {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.readable = readable;
    this.#writer = writable.getWriter();
    this.#writer.closed.catch(() => this.#markClosed());
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#writer.write(chunk).catch(() => this.#markClosed());
  }

  /** A comment line: keeps proxies from timing out an idle stream. */
  comment(text = 'keepalive'): void {
    this.write(enc.encode(`: ${text}\n\n`));
  }

  /** `retry:` tells the client how long to wait before reconnecting with Last-Event-ID. */
  retry(ms: number, id?: string): void {
    this.write(enc.encode(`${id !== undefined ? `id: ${id}\n` : ''}retry: ${ms}\ndata: \n\n`));
  }

  /** Writes a comment and waits for it: a stream whose reader went away shows `closed` after this. */
  async probe(timeoutMs = 2000): Promise<boolean> {
    if (this.#closed) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // A live client that is not reading never completes the write: count it as live, don't wait.
      await Promise.race([this.#writer.write(enc.encode(': probe\n\n')), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    } catch {
      this.#markClosed();
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    return !this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#markClosed();
    this.#writer.close().catch(() => {});
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose?.();
  }

  response(headers: Record<string, string> = {}): Response {
    return new Response(this.readable, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
  }
}
