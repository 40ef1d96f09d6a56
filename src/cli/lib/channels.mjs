/**
 * The connector's session channels (frames: ../../mcp/connector-frames.mjs): an edge session that
 * offers a ticket with its `O` frame gets a WebSocket of its own, so its messages go child ⇄ edge
 * session directly instead of through the ConnectorDO (one object hop less per message).
 *
 * Per session, a channel is:
 * - **connecting**: the child's lines wait in a queue (the edge sends nothing before its channel is
 *   settled, so these are only what a child writes unprompted);
 * - **open**: each line the child writes is one text frame; each frame is one line to its stdin;
 * - **off**: the dial failed or was refused (the edge's offer ran out), or the edge spoke on the
 *   link first: the queue goes out on the link and the session stays on the link for its life
 *   (a failed dial also tells the edge with an `N` frame, so it stops waiting for the channel).
 * When the child ends, its reason is the channel's last frame (CHANNEL_END); when the edge closes
 * the channel, the session ends (`ended`).
 */
import { CHANNEL_END, CHANNEL_TICKET_HEADER, PING, PONG } from '../../mcp/connector-frames.mjs';

/** Lines a connecting channel holds at most; past it the dial is abandoned and the link takes them. */
const QUEUE_MAX = 1_000;
/**
 * An open channel is pinged this often, so no proxy on the way takes it for idle (the edge's
 * runtime answers without waking the session's object); one silent for DEAD_AFTER_MS is closed,
 * which ends its session: the channel is a TCP connection of its own, not covered by the link's
 * heartbeat.
 */
const KEEPALIVE_MS = 30_000;
const DEAD_AFTER_MS = 75_000;

/**
 * @typedef {{ ws: WebSocket, open: boolean, queue: string[], heard: number }} Channel
 * @typedef {{
 *   dial(path: string, headers: Record<string, string>): WebSocket,
 *   message(server: string, session: string, line: string): void,
 *   fallback(server: string, session: string, lines: string[]): void,
 *   ended(server: string, session: string, reason: string): void,
 * }} ChannelSink
 */

/** The ticket in an `O` frame's payload, if any. @param {string} payload @returns {string | undefined} */
export function channelTicket(payload) {
  if (!payload) return undefined;
  try {
    const t = JSON.parse(payload).channel;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

export class Channels {
  /** @type {Map<string, Channel>} */
  #map = new Map();

  /** @param {string} name the connector's name @param {ChannelSink} sink */
  constructor(name, sink) {
    this.path = `/connect/${encodeURIComponent(name)}/channel`;
    this.sink = sink;
    this.keepalive = setInterval(() => this.#beat(Date.now()), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** @param {string} server @param {string} session @param {string} ticket */
  dial(server, session, ticket) {
    const key = `${server} ${session}`;
    const ws = this.sink.dial(this.path, { [CHANNEL_TICKET_HEADER]: ticket });
    /** @type {Channel} */
    const c = { ws, open: false, queue: [], heard: Date.now() };
    this.#map.set(key, c);
    ws.onopen = () => {
      if (this.#map.get(key) !== c) return ws.close(1000, 'no longer wanted');
      c.open = true;
      c.heard = Date.now();
      for (const line of c.queue.splice(0)) ws.send(line);
    };
    ws.onmessage = (ev) => {
      c.heard = Date.now();
      if (this.#map.get(key) === c && typeof ev.data === 'string' && ev.data !== PONG) this.sink.message(server, session, ev.data);
    };
    // A refused handshake fires only `error` in Node's WebSocket (no `close`): both end it.
    const gone = (/** @type {{ code?: number, reason?: string }} */ ev) => {
      if (this.#map.get(key) !== c) return;
      this.#map.delete(key);
      if (!c.open) return this.sink.fallback(server, session, c.queue.splice(0));
      this.sink.ended(server, session, `the edge closed the channel${ev.code ? ` (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})` : ''}`);
    };
    ws.onerror = () => gone({});
    ws.onclose = (ev) => gone(ev);
  }

  /** A line the child wrote: true when its channel took it (sent, or queued while connecting). @param {string} server @param {string} session @param {string} line */
  send(server, session, line) {
    const c = this.#map.get(`${server} ${session}`);
    if (!c) return false;
    if (c.open) c.ws.send(line);
    else if (c.queue.length < QUEUE_MAX) c.queue.push(line);
    else {
      this.sink.fallback(server, session, this.off(server, session) ?? []);
      return false;
    }
    return true;
  }

  /**
   * The edge sent a frame for this session on the link: it has no channel. Returns the lines a
   * connecting channel held (to go out on the link first), or undefined when there was none.
   * @param {string} server @param {string} session @returns {string[] | undefined}
   */
  off(server, session) {
    const key = `${server} ${session}`;
    const c = this.#map.get(key);
    if (!c) return undefined;
    this.#map.delete(key);
    quietly(c.ws, 'the session took the connector link');
    return c.queue;
  }

  /**
   * The child ended: an open channel carries the reason as its last frame (true); a connecting one
   * is dropped and its lines returned through `fallback`, and the caller tells the link (false).
   * @param {string} server @param {string} session @param {string} reason
   */
  end(server, session, reason) {
    const key = `${server} ${session}`;
    const c = this.#map.get(key);
    if (!c) return false;
    this.#map.delete(key);
    if (!c.open) {
      quietly(c.ws, 'the session ended');
      if (c.queue.length) this.sink.fallback(server, session, c.queue);
      return false;
    }
    try {
      c.ws.send(CHANNEL_END + reason);
    } catch {
      /* closing already */
    }
    quietly(c.ws, 'the session ended');
    return true;
  }

  /** Keepalive: pings every open channel, closes those silent too long (their close ends the session). @param {number} now */
  #beat(now) {
    for (const c of this.#map.values()) {
      if (!c.open) continue;
      if (now - c.heard > DEAD_AFTER_MS) quietly(c.ws, 'no answer to pings', 4002);
      else c.ws.send(PING);
    }
  }

  /** The link dropped (every session ended with it). */
  closeAll() {
    for (const c of this.#map.values()) quietly(c.ws, 'the connector link dropped');
    this.#map.clear();
  }
}

/** @param {WebSocket} ws @param {string} reason @param {number} [code] */
function quietly(ws, reason, code = 1000) {
  try {
    ws.close(code, reason);
  } catch {
    /* not open yet or already closed */
  }
}
