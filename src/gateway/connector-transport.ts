/**
 * An MCP SDK `Transport` whose other end is a child process on a connector machine. A request goes
 * edge → ConnectorDO (RPC `call`) → WebSocket → the child's stdin, and its response comes back
 * child stdout → WebSocket → ConnectorDO → the return of that same `call`: one object call per
 * request (`npm run bench -- --only connector`). Every other message the child writes
 * (notifications, progress, server → client requests) comes as an RPC call of the `deliver`
 * function `attach` was given (one JSON-RPC message per call, in order: calls on one stub arrive in
 * the order they were made), and the ConnectorDO returns a response only after the callback calls
 * before it returned, so a request's progress arrives before its result. Other messages to the
 * child (notifications, responses to the child's requests) are RPC `send`s. The stream `attach`
 * returns carries nothing: it marks the session's lifetime.
 *
 * Why a Transport and not a new provider: UpstreamProvider over this transport keeps everything it
 * does for HTTP upstreams (progress, cancellation, sampling/elicitation/roots relayed to the right
 * client, list_changed, breaker, metrics) without a second implementation.
 * Each transport is one MCP session = one child process on the connector (per-session children:
 * stdio semantics exactly, no id remapping; the connector bounds them).
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * How the ConnectorDO reaches a session: `M` with one JSON-RPC message the server wrote, or `C`
 * with the reason the session ended (the last call). Passed over RPC as a stub.
 */
export type ConnectorDeliver = (kind: 'M' | 'C', text: string) => void;

/** The ConnectorDO's RPC surface a session needs (a DO stub satisfies it). */
export interface ConnectorLink {
  /** Opens the session; the stream it returns carries nothing and ends when the session does (see ConnectorSessions). */
  attach(server: string, session: string, deliver: ConnectorDeliver): Promise<ReadableStream<Uint8Array>>;
  /** A message no response is awaited to; `settles`: the id (JSON text) of a request it cancels. */
  send(server: string, session: string, message: string, settles?: string): Promise<void>;
  /** A request (`id`: its JSON-RPC id as JSON text): its response, or null when it came through `deliver`. */
  call(server: string, session: string, id: string, message: string): Promise<string | null>;
  detach(server: string, session: string): Promise<void>;
}

/** States a connector-served server can be in besides serving; their errors start with these words. */
export type ConnectorState = 'waiting' | 'crash-looping';

/** The state an error from the connector path stands for (hub_status), from its message. */
export function connectorStateOf(message: string): ConnectorState | null {
  if (/\bwaiting for connector\b/.test(message)) return 'waiting';
  if (/\bcrash-looping:/.test(message)) return 'crash-looping';
  return null;
}

export class ConnectorTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  #closed = false;
  #held: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** Requests whose response is the return of their `call`, by JSON text of their id. */
  #pending = new Map<string, string | number>();

  constructor(
    private readonly link: ConnectorLink,
    private readonly server: string,
    private readonly session: string,
  ) {}

  async start(): Promise<void> {
    const held = await this.link.attach(this.server, this.session, (kind, text) => {
      // One line per call: the connector sends each line its server writes as its own frame.
      if (kind === 'M') this.#deliver(text);
      else this.#ended(text || `the session with ${this.server} on its connector ended`);
    });
    this.#held = held.getReader();
    void this.#watch(this.#held);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error(`the session with ${this.server} on its connector has ended`);
    const text = JSON.stringify(message);
    if ('method' in message && 'id' in message) {
      // The SDK does not await a request's send: holding it until the response costs nothing.
      const id = JSON.stringify(message.id);
      this.#pending.set(id, message.id);
      let reply: string | null;
      try {
        reply = await this.link.call(this.server, this.session, id, text);
      } finally {
        this.#pending.delete(id);
      }
      if (reply !== null) this.#deliver(reply);
      return;
    }
    const cancelled = 'method' in message && message.method === 'notifications/cancelled' ? message.params?.requestId : undefined;
    await this.link.send(this.server, this.session, text, cancelled === undefined ? undefined : JSON.stringify(cancelled));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#held?.cancel().catch(() => {});
    await this.link.detach(this.server, this.session).catch(() => {});
    this.onclose?.();
  }

  /** The held stream ends after the `C` call, or alone when the ConnectorDO went away. */
  async #watch(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      while (!(await reader.read()).done);
    } catch {
      /* broken: the same as ended */
    }
    this.#ended(`the session with ${this.server} on its connector ended`);
  }

  /**
   * The connector side ended the session (the child exited, the connector went away, …). Each
   * request still waiting fails with the reason (naming the connector) before the SDK's close
   * fails it as a bare "Connection closed", whichever of the two reaches this object first.
   */
  #ended(reason: string): void {
    if (this.#closed) return;
    for (const id of this.#pending.values()) this.onmessage?.({ jsonrpc: '2.0', id, error: { code: ErrorCode.ConnectionClosed, message: reason } });
    this.#pending.clear();
    this.#closed = true;
    this.onerror?.(new Error(reason));
    this.onclose?.();
  }

  #deliver(line: string): void {
    if (this.#closed) return;
    let message: JSONRPCMessage;
    try {
      message = JSON.parse(line) as JSONRPCMessage;
    } catch (e) {
      this.onerror?.(new Error(`${this.server} wrote a line that is not JSON: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    this.onmessage?.(message);
  }
}
