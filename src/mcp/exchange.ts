/**
 * One POST request's reply channel (MCP 2025-11-25 transports §sending messages to the server):
 * the reply is plain JSON when the handler finishes before sending anything else, and an SSE
 * stream when it first sends a related notification or server→client request. Either way the
 * final JSON-RPC response ends the exchange. Events get ids from `stamp` (for Last-Event-ID).
 */

import { stringifyMessage } from './json-text';
import type { JsonRpcMessage } from './protocol';
import { SseWriter, sseEvent } from './sse';

export interface ExchangeOptions {
  /** Whether the client's Accept header allows text/event-stream. */
  acceptsSse: boolean;
  /** Persists an event and returns its SSE id; undefined disables ids (modern lane). */
  stamp?: (data: string) => string | undefined;
  headers?: Record<string, string>;
}

/**
 * A complete (non-streaming) reply as plain data. A Durable Object returns this instead of a
 * Response: a string crosses the RPC boundary as one copy, where a Response body is a stream
 * piped between the two sides.
 */
export interface JsonReply {
  status: number;
  /** JSON text, or null for an empty body (202). */
  body: string | null;
  headers?: Record<string, string>;
}

export function toResponse(r: Response | JsonReply): Response {
  if (r instanceof Response) return r;
  const headers = r.body === null ? r.headers : { 'content-type': 'application/json', ...r.headers };
  return new Response(r.body, { status: r.status, headers });
}

export function jsonReply(message: unknown, status = 200): JsonReply {
  return { status, body: JSON.stringify(message) };
}

export class Exchange {
  #buffer: string[] = [];
  #writer: SseWriter | null = null;
  #firstSend!: () => void;
  readonly firstSend = new Promise<void>((r) => (this.#firstSend = r));
  #done = false;

  constructor(private readonly opts: ExchangeOptions) {}

  /** True once the client went away (SSE stream closed): producers may stop. */
  get abandoned(): boolean {
    return this.#writer?.closed ?? false;
  }

  /** Sends a message before the final response; switches the reply to SSE. */
  send(message: JsonRpcMessage): boolean {
    if (this.#done || !this.opts.acceptsSse) return false;
    const data = stringifyMessage(message);
    if (this.#writer) this.#writer.write(sseEvent(data, this.opts.stamp?.(data)));
    else this.#buffer.push(data);
    this.#firstSend();
    return true;
  }

  /**
   * Runs `work` and returns the HTTP response: JSON if `work` finished before any send, else SSE
   * (with the response written to the stream when `work` resolves). `onAbandon` runs if the
   * client closes the stream first. `statusOf` picks the HTTP status of a JSON reply (an SSE reply
   * has already sent 200).
   */
  async respond(work: Promise<JsonRpcMessage>, onAbandon?: () => void, statusOf: (m: JsonRpcMessage) => number = () => 200): Promise<Response> {
    return toResponse(await this.reply(work, onAbandon, statusOf));
  }

  /** As respond(), with a JSON reply as plain data (for returning across a DO boundary). */
  async reply(work: Promise<JsonRpcMessage>, onAbandon?: () => void, statusOf: (m: JsonRpcMessage) => number = () => 200): Promise<Response | JsonReply> {
    const first = await Promise.race([work.then((m) => ({ m })), this.firstSend.then(() => null)]);
    if (first && this.#buffer.length === 0) {
      this.#done = true;
      return { status: statusOf(first.m), body: stringifyMessage(first.m), headers: this.opts.headers };
    }
    const writer = new SseWriter();
    writer.onClose = () => {
      if (!this.#done) onAbandon?.();
    };
    this.#writer = writer;
    for (const data of this.#buffer) writer.write(sseEvent(data, this.opts.stamp?.(data)));
    this.#buffer = [];
    const finish = (m: JsonRpcMessage) => {
      this.#done = true;
      const data = stringifyMessage(m);
      writer.write(sseEvent(data, this.opts.stamp?.(data)));
      writer.close();
    };
    if (first) finish(first.m);
    else work.then(finish, () => writer.close());
    return writer.response(this.opts.headers);
  }
}
