/**
 * An MCP SDK `Transport` whose other end is a child process on a connector machine: messages go
 * edge → ConnectorDO (RPC `send`) → WebSocket → the child's stdin, and come back child stdout →
 * WebSocket → ConnectorDO → the byte stream `attach` returned (one JSON-RPC message per line).
 *
 * Why a Transport and not a new provider: UpstreamProvider over this transport keeps everything it
 * does for HTTP upstreams (progress, cancellation, sampling/elicitation/roots relayed to the right
 * client, list_changed, breaker, metrics) without a second implementation.
 * Each transport is one MCP session = one child process on the connector (per-session children:
 * stdio semantics exactly, no id remapping; the connector bounds them).
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The ConnectorDO's RPC surface a session needs (a DO stub satisfies it). */
export interface ConnectorLink {
  attach(server: string, session: string): Promise<ReadableStream<Uint8Array>>;
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
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #closed = false;

  constructor(
    private readonly link: ConnectorLink,
    private readonly server: string,
    private readonly session: string,
  ) {}

  async start(): Promise<void> {
    const stream = await this.link.attach(this.server, this.session);
    this.#reader = stream.getReader();
    void this.#pump(this.#reader);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error(`the session with ${this.server} on its connector has ended`);
    await this.link.send(this.server, this.session, JSON.stringify(message));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reader?.cancel().catch(() => {});
    await this.link.detach(this.server, this.session).catch(() => {});
    this.onclose?.();
  }

  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) this.#deliver(line);
          nl = buffered.indexOf('\n');
        }
      }
      if (!this.#closed) this.onerror?.(new Error(`the session with ${this.server} on its connector ended`));
    } catch (e) {
      if (!this.#closed) this.onerror?.(e instanceof Error ? e : new Error(String(e)));
    }
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }

  #deliver(line: string): void {
    try {
      this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
    } catch (e) {
      this.onerror?.(new Error(`${this.server} wrote a line that is not JSON: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}
