/**
 * An MCP SDK `Transport` whose other end is a child process on a connector machine.
 *
 * Two paths. **Channel** (a SessionDO, when the connector offers it): the ConnectorDO opens the
 * session and hands the connector a one-time ticket; the connector dials a WebSocket of its own for
 * this one session to the SessionDO (routes/connect.ts → runtime/connector-channels.ts), and from
 * then on every message goes edge ⇄ child over that socket, in the order either side wrote it, with
 * no object in between (the ConnectorDO hop cost 1–3 ms per call). The ConnectorDO keeps the
 * session's lifetime: it ends it when the connector goes away.
 *
 * **Relay** (modern-lane isolates, old connectors, a channel that did not come within
 * CHANNEL_WAIT_MS): a request goes edge → ConnectorDO (RPC `call`) → WebSocket → the child's stdin,
 * and its response comes back child stdout → WebSocket → ConnectorDO → the return of that same
 * `call`: one object call per request. Every other message the child writes
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
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * How the ConnectorDO reaches a session: `M` with one JSON-RPC message the server wrote, `N` when
 * the connector could not dial the session's channel, or `C` with the reason the session ended
 * (the last call). Passed over RPC as a stub.
 */
export type ConnectorDeliver = (kind: 'M' | 'N' | 'C', text: string) => void;

/** What `attach` returns: the idle stream that marks the session's lifetime, and whether the ticket went to the connector. */
export interface Attached {
  held: ReadableStream<Uint8Array>;
  channel: boolean;
}

/**
 * Why `attach` could not open the session (connector offline, server not assigned or
 * crash-looping): a value, not a thrown error, because that is an ordinary state and an error
 * thrown from an object's RPC method is logged by the runtime as an uncaught exception.
 */
export interface AttachRefused {
  error: string;
}

/** The ConnectorDO's RPC surface a session needs (a DO stub satisfies it). */
export interface ConnectorLink {
  /**
   * Opens the session; `held` carries nothing and ends when the session does (see
   * ConnectorSessions). `ticket`: a channel ticket for the connector, passed on only when the
   * connector dialled with FRAMES_CHANNELS (then `channel` is true).
   */
  attach(server: string, session: string, deliver: ConnectorDeliver, ticket?: string): Promise<Attached | AttachRefused>;
  /** A message no response is awaited to; `settles`: the id (JSON text) of a request it cancels. */
  send(server: string, session: string, message: string, settles?: string): Promise<void>;
  /** A request (`id`: its JSON-RPC id as JSON text): its response, or null when it came through `deliver`. */
  call(server: string, session: string, id: string, message: string): Promise<string | null>;
  detach(server: string, session: string): Promise<void>;
}

/** One session's own socket to its child on the connector (runtime/connector-channels.ts). */
export interface ConnectorChannel {
  /** One JSON-RPC message as text; throws once the socket closed. */
  send(text: string): void;
  close(reason: string): void;
  /** Each message the child wrote, then the end (once) with its reason; what came before this call is replayed to it. */
  listen(message: (text: string) => void, end: (reason: string) => void): void;
}

/** A channel on offer: the ticket for the connector, the channel once it dialled (null: not within the wait, or withdrawn). */
export interface ChannelOffer {
  ticket: string;
  ready: Promise<ConnectorChannel | null>;
  /** Withdraws the ticket (the connector did not get it, or the session ended): `ready` gives null. */
  withdraw(): void;
}

/** States a connector-served server can be in besides serving; their errors start with these words. */
export type ConnectorState = 'waiting' | 'crash-looping';

/** The state an error from the connector path stands for (hub_status), from its message. */
export function connectorStateOf(message: string): ConnectorState | null {
  if (/\bwaiting for connector\b/.test(message)) return 'waiting';
  if (/\bcrash-looping:/.test(message)) return 'crash-looping';
  return null;
}

/** A request in flight: its send settles with it. */
interface Waiting {
  answered(): void;
  failed(e: Error): void;
  sent: Promise<void>;
}

export class ConnectorTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  #closed = false;
  #held: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #offer: ChannelOffer | null = null;
  #channel: ConnectorChannel | null = null;
  /** Requests whose send waits for their response, by JSON text of their id. */
  #pending = new Map<string, Waiting>();

  constructor(
    private readonly link: ConnectorLink,
    private readonly server: string,
    private readonly session: string,
    /** Offers a channel (SessionDOs only); without it every message takes the relay path. */
    private readonly offerChannel?: () => ChannelOffer,
  ) {}

  async start(): Promise<void> {
    const offer = this.offerChannel?.() ?? null;
    this.#offer = offer;
    const attached = await this.link.attach(
      this.server,
      this.session,
      (kind, text) => {
        // One line per call: the connector sends each line its server writes as its own frame.
        if (kind === 'M') this.#deliver(text);
        else if (kind === 'N') this.#offer?.withdraw();
        else this.#ended(text || `the session with ${this.server} on its connector ended`);
      },
      offer?.ticket,
    );
    if ('error' in attached) {
      offer?.withdraw();
      throw new Error(attached.error);
    }
    this.#held = attached.held.getReader();
    void this.#watch(this.#held);
    if (!offer) return;
    if (!attached.channel) offer.withdraw();
    // Nothing is sent before the path is settled: the connector takes the first message on the
    // relay path as "no channel" (src/cli/lib/channels.mjs).
    const channel = await offer.ready;
    this.#offer = null;
    if (!channel) return;
    if (this.#closed) return channel.close('the session ended');
    this.#channel = channel;
    channel.listen(
      (text) => this.#deliver(text),
      (reason) => this.#ended(reason || `the session with ${this.server} on its connector ended`),
    );
  }

  /**
   * A request's send is held until its response came (the SDK does not await it, so this costs
   * nothing): when the session ends first, the send fails with the reason and the SDK fails the
   * request with it — an outage (breaker, reconnect), where a made-up JSON-RPC error would pass
   * for the server's answer.
   */
  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`the session with ${this.server} on its connector has ended`));
    if (!('method' in message && 'id' in message)) return this.#notify(message);
    return this.#request(JSON.stringify(message.id), JSON.stringify(message));
  }

  #request(id: string, text: string): Promise<void> {
    let answered!: () => void;
    let failed!: (e: Error) => void;
    const settled = new Promise<null>((resolve, reject) => {
      answered = () => resolve(null);
      failed = reject;
    });
    settled.catch(() => {}); // failed by #ended even when nothing awaits it any more
    const waiting: Waiting = { answered, failed, sent: Promise.resolve() };
    this.#pending.set(id, waiting);
    // Set before this returns: #ended waits on it.
    waiting.sent = (async () => {
      try {
        if (this.#channel) {
          this.#channel.send(text);
          await settled;
          return;
        }
        const reply = await Promise.race([this.link.call(this.server, this.session, id, text), settled]);
        // null: a connector without `R` frames, whose response comes through the callback.
        if (reply === null) await settled;
        else this.#deliver(reply);
      } finally {
        if (this.#pending.get(id) === waiting) this.#pending.delete(id);
      }
    })();
    return waiting.sent;
  }

  async #notify(message: JSONRPCMessage): Promise<void> {
    const text = JSON.stringify(message);
    const cancelled = 'method' in message && message.method === 'notifications/cancelled' ? message.params?.requestId : undefined;
    // The SDK gave up on a cancelled request: its send waits no longer.
    if (cancelled !== undefined) this.#pending.get(JSON.stringify(cancelled))?.answered();
    if (this.#channel) return this.#channel.send(text);
    await this.link.send(this.server, this.session, text, cancelled === undefined ? undefined : JSON.stringify(cancelled));
  }

  /** Closed by the edge: requests still waiting end as the SDK ends them on close ("Connection closed"). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#pending.values()) w.answered();
    this.#pending.clear();
    this.#offer?.withdraw();
    this.#channel?.close('closed by the edge');
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
   * request still waiting fails with the reason (naming the connector), and only once the SDK took
   * those failures does it hear of the close (which would fail them as a bare "Connection closed").
   */
  #ended(reason: string): void {
    if (this.#closed) return;
    const sends = [...this.#pending.values()].map((w) => {
      w.failed(new Error(reason));
      return w.sent;
    });
    this.#pending.clear();
    this.#closed = true;
    this.#offer?.withdraw();
    this.#channel?.close(reason);
    // The ConnectorDO still holds the session when the channel ended it: release it there too.
    if (this.#channel) void this.link.detach(this.server, this.session).catch(() => {});
    // The SDK's catch on each send was registered before this: it runs first.
    void Promise.allSettled(sends)
      .then(() => {
        this.onerror?.(new Error(reason));
        this.onclose?.();
      })
      .catch(() => {});
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
    if ('id' in message && !('method' in message)) this.#pending.get(JSON.stringify(message.id))?.answered();
  }
}
