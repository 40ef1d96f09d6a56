/**
 * A SessionDO's connector channels: each connector-served upstream session of this edge session
 * may get a WebSocket of its own from the connector, so its messages go edge ⇄ child with no
 * object in between (gateway/connector-transport.ts says why, mcp/connector-frames.mjs the frames).
 *
 * How a channel comes to be:
 * 1. The transport asks for an offer: a ticket `{sessionId}.{secret}` (32 random bytes) bound to
 *    the connector's name, valid once and for CHANNEL_WAIT_MS.
 * 2. The ConnectorDO hands the ticket to the connector with the session's `O` frame, over the
 *    connector's own authenticated link.
 * 3. The connector dials `GET /connect/<name>/channel` with the ticket; the route checks its token
 *    (connector scope) and sends the upgrade to SessionDO `{its tenant}:{sessionId}`: a connector
 *    of another tenant reaches another object, where no such ticket exists.
 * 4. Here the ticket must be waiting and issued to that connector name; it is used up at once.
 * Anything else gets 403 and the session keeps the relay path, as when the wait runs out.
 *
 * Channels are hibernatable sockets: an evicted session object loses its transports, and a frame
 * on a socket nobody here knows ends that socket (the connector then ends its child).
 */
import type { ChannelOffer, ConnectorChannel } from '../gateway/connector-transport';
import { CHANNEL_END, CHANNEL_TICKET_HEADER, MAX_FRAME_BYTES } from '../mcp/connector-frames.mjs';
import { randomToken } from '../utils/bytes';

/** How long an offered ticket waits for the connector to dial. */
export const CHANNEL_WAIT_MS = 5_000;
/** Set by the route: the name of the connector that dialled (its token was checked there). */
export const CHANNEL_CONNECTOR_HEADER = 'x-edgehub-channel-connector';
/** A channel ticket: the session id, a dot, the secret. */
export const CHANNEL_TICKET_RE = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

/** The longest close reason a WebSocket carries (123 bytes; reasons are made ASCII). */
const MAX_REASON = 120;
/** Messages a channel holds before its transport listens (the time of one RPC return). */
const MAX_EARLY = 1_000;

interface Waiting {
  connector: string;
  resolve(channel: ConnectorChannel | null): void;
  timer: ReturnType<typeof setTimeout>;
}

class Channel implements ConnectorChannel {
  #message?: (text: string) => void;
  #end?: (reason: string) => void;
  /** What arrived before the transport listened (the socket may open before its `attach` returns). */
  #early: string[] = [];
  #endedWith: string | null = null;
  #done = false;

  constructor(
    private readonly ws: WebSocket,
    /** The connector's name, for the reason when its socket drops. */
    readonly connector: string,
    private readonly forget: () => void,
  ) {}

  send(text: string): void {
    if (this.#done) throw new Error('the channel to the connector has closed');
    if (text.length > MAX_FRAME_BYTES) throw new Error('a message to the connector is larger than 4 MiB');
    this.ws.send(text);
  }

  close(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.forget();
    try {
      // At most 123 bytes: printable ASCII only, so characters are bytes.
      this.ws.close(1000, reason.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_REASON));
    } catch {
      /* already closed */
    }
  }

  listen(message: (text: string) => void, end: (reason: string) => void): void {
    this.#message = message;
    this.#end = end;
    for (const text of this.#early.splice(0)) message(text);
    if (this.#endedWith !== null) end(this.#endedWith);
  }

  received(text: string): void {
    if (text.startsWith(CHANNEL_END)) this.ended(text.slice(CHANNEL_END.length));
    else if (this.#done) return;
    else if (this.#message) this.#message(text);
    else if (this.#early.length < MAX_EARLY) this.#early.push(text);
    else this.ended(`the connector sent more than ${MAX_EARLY} messages before the session listened`);
  }

  /** The connector ended it (its last frame, or the socket closed). */
  ended(reason: string): void {
    if (this.#done) return;
    this.close(reason);
    if (this.#end) this.#end(reason);
    else this.#endedWith = reason;
  }
}

export class ConnectorChannels {
  /** Offered tickets by secret. */
  #waiting = new Map<string, Waiting>();
  /** Open channels by their socket's attachment id. */
  #open = new Map<string, Channel>();

  constructor(
    private readonly ctx: DurableObjectState,
    /** This object's session id (its name is `{tenant}:{sessionId}`). */
    private readonly sessionId: string,
  ) {}

  offer(connector: string): ChannelOffer {
    const secret = randomToken();
    let settle!: (c: ConnectorChannel | null) => void;
    const ready = new Promise<ConnectorChannel | null>((resolve) => {
      settle = resolve;
    });
    const withdraw = () => {
      const w = this.#waiting.get(secret);
      if (!w) return;
      this.#waiting.delete(secret);
      clearTimeout(w.timer);
      w.resolve(null);
    };
    this.#waiting.set(secret, { connector, resolve: settle, timer: setTimeout(withdraw, CHANNEL_WAIT_MS) });
    return { ticket: `${this.sessionId}.${secret}`, ready, withdraw };
  }

  /** The connector's dial, forwarded by the route (its token checked there, tenant from it). */
  accept(req: Request): Response {
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return refuse(426, 'upgrade_required', 'a channel is a WebSocket');
    const m = CHANNEL_TICKET_RE.exec(req.headers.get(CHANNEL_TICKET_HEADER) ?? '');
    const w = m && m[1] === this.sessionId ? this.#waiting.get(m[2]) : undefined;
    if (!m || !w || w.connector !== req.headers.get(CHANNEL_CONNECTOR_HEADER))
      return refuse(403, 'invalid_ticket', 'this channel ticket is unknown, used, expired or not for this connector');
    this.#waiting.delete(m[2]);
    clearTimeout(w.timer);
    const pair = new WebSocketPair();
    const id = crypto.randomUUID();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment(id);
    const channel = new Channel(pair[1], w.connector, () => this.#open.delete(id));
    this.#open.set(id, channel);
    w.resolve(channel);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  message(ws: WebSocket, data: string | ArrayBuffer): void {
    const channel = this.#open.get(ws.deserializeAttachment() as string);
    if (!channel) orphan(ws);
    else if (typeof data !== 'string' || data.length > MAX_FRAME_BYTES) channel.ended('the connector sent a binary frame or one over 4 MiB');
    else channel.received(data);
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    const channel = this.#open.get(ws.deserializeAttachment() as string);
    // Without a last frame: the connector process or its network went away (or its link dropped).
    if (channel) {
      channel.ended(`connector ${channel.connector} dropped this session's channel (closed ${code}${reason ? `: ${reason}` : ''})`);
      return;
    }
    try {
      ws.close(1000, 'bye'); // completes the close handshake
    } catch {
      /* already closed */
    }
  }

  /**
   * A new instance of the object holds no channels: every socket the runtime kept for it through
   * hibernation or a restart belonged to transports that are gone. Closing them ends their
   * children on the connector now, not at their next frame (keepalives never wake the object).
   */
  closeOrphans(): void {
    for (const ws of this.ctx.getWebSockets()) orphan(ws);
  }
}

function orphan(ws: WebSocket): void {
  try {
    ws.close(1011, 'no session here holds this channel (the edge session restarted or ended)');
  } catch {
    /* already closed */
  }
}

function refuse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
}
