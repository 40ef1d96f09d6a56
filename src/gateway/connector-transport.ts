/**
 * An MCP SDK `Transport` whose other end is a child process on a connector machine: messages go
 * edge → ConnectorDO (RPC `send`) → WebSocket → the child's stdin, and come back child stdout →
 * WebSocket → ConnectorDO → an RPC call of the `deliver` function `attach` was given (one
 * JSON-RPC message per call, in order: calls on one stub arrive in the order they were made).
 * Why a callback and not chunks of the stream `attach` returns (which now only marks the
 * session's lifetime): timed inside a Durable Object under `wrangler dev`, a reply as an RPC call
 * arrived 0.05–0.25 ms sooner than as a chunk on a cross-object stream (`npm run bench -- --only
 * connector`, its platform section).
 *
 * Why a Transport and not a new provider: UpstreamProvider over this transport keeps everything it
 * does for HTTP upstreams (progress, cancellation, sampling/elicitation/roots relayed to the right
 * client, list_changed, breaker, metrics) without a second implementation.
 * Each transport is one MCP session = one child process on the connector (per-session children:
 * stdio semantics exactly, no id remapping; the connector bounds them).
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * How the ConnectorDO reaches a session: `M` with one JSON-RPC message the server wrote, or `C`
 * with the reason the session ended (the last call). Passed over RPC as a stub.
 */
export type ConnectorDeliver = (kind: 'M' | 'C', text: string) => void;

/** The ConnectorDO's RPC surface a session needs (a DO stub satisfies it). */
export interface ConnectorLink {
  /** Opens the session; the stream it returns carries nothing and ends when the session does (see ConnectorHost). */
  attach(server: string, session: string, deliver: ConnectorDeliver): Promise<ReadableStream<Uint8Array>>;
  send(server: string, session: string, message: string): Promise<void>;
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

  constructor(
    private readonly link: ConnectorLink,
    private readonly server: string,
    private readonly session: string,
  ) {}

  async start(): Promise<void> {
    const held = await this.link.attach(this.server, this.session, (kind, text) => {
      if (kind !== 'M') return this.#ended(text || `the session with ${this.server} on its connector ended`);
      for (const line of text.split('\n')) if (line.trim()) this.#deliver(line);
    });
    this.#held = held.getReader();
    void this.#watch(this.#held);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error(`the session with ${this.server} on its connector has ended`);
    await this.link.send(this.server, this.session, JSON.stringify(message));
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

  /** The connector side ended the session (the child exited, the connector went away, …). */
  #ended(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onerror?.(new Error(reason));
    this.onclose?.();
  }

  #deliver(line: string): void {
    if (this.#closed) return;
    try {
      this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
    } catch (e) {
      this.onerror?.(new Error(`${this.server} wrote a line that is not JSON: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}
