/**
 * The edge sessions a ConnectorDO relays (its half of connector-host.ts): per session the
 * callback it was given, the idle stream that marks its lifetime, and its requests waiting for
 * their responses.
 *
 * One object call per request: a request the session expects a response to is `call`ed, sent as an
 * `R` frame, and its response (an `R` frame back) is the return of that call. Everything else the
 * connector sends for a session (notifications, progress, server → client requests, responses
 * nobody waits for) reaches the session as a call of its callback, in order (calls on one stub
 * arrive in the order they were made). Ordering: a response is returned only after every
 * callback call made before it has returned, so a request's progress and the requests it caused
 * reach the session before its result, as over stdio. (Not the other way round: a message the
 * server wrote after a response may reach the session before a response held back this way; the
 * SDK client needs no order between messages of different requests.)
 */

import type { ConnectorDeliver } from '../gateway/connector-transport';
import { type Frame, MAX_FRAME_BYTES, sessionFrame } from '../mcp/connector-frames.mjs';

/** Open session streams per connector; past it the least recently used one is ended. */
export const MAX_STREAMS = 256;

/** The connector's socket, whether it answers requests with `R` frames (FRAMES_REPLIES) and takes channel tickets (FRAMES_CHANNELS). */
export interface Link {
  ws: WebSocket;
  replies: boolean;
  channels?: boolean;
}

/** A session's `deliver` as received over RPC: a stub, kept past the call with `dup()`, released by `finish`. */
type Sink = ConnectorDeliver & { dup?(): Sink };

interface Waiting {
  resolve(reply: string | null): void;
  reject(e: Error): void;
}

/**
 * An open session: its callback (every message that is not a waited-for response, and its end),
 * the controller of the idle stream `open` returned (it carries nothing: held open for the
 * session's lifetime, so its cancel tells that the session went away, and like any open stream it
 * keeps this object from hibernating away the sessions it serves), its waiting requests by id, and
 * the last callback call still under way (`null` once it returned).
 */
interface Open {
  sink: Sink;
  held: ReadableStreamDefaultController<Uint8Array> | null;
  calls: Map<string, Waiting>;
  tail: Promise<unknown> | null;
}

/** Closes a session's idle stream and releases its kept stub (`Symbol.dispose`, not in this TypeScript lib). */
function finish(open: Open): void {
  try {
    open.held?.close();
  } catch {
    /* already cancelled */
  }
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  const f = dispose && (open.sink as unknown as Record<symbol, unknown>)[dispose];
  if (typeof f === 'function') f.call(open.sink);
}

export class ConnectorSessions {
  /** `server session` → open session; insertion order = age (eviction). */
  #open = new Map<string, Open>();

  constructor(
    private readonly name: string,
    private readonly link: () => Link | undefined,
  ) {}

  /** Opens a session on `ws` (checked by the host); the stream returned ends with the session. `ticket`: its channel's. */
  open(ws: WebSocket, server: string, session: string, deliver: ConnectorDeliver, ticket?: string): ReadableStream<Uint8Array> {
    const key = `${server} ${session}`;
    if (this.#open.size >= MAX_STREAMS) this.#evictOldest();
    const sink = deliver as Sink;
    // A stub received as a parameter is released when this call returns unless duplicated.
    const open: Open = { sink: sink.dup?.() ?? sink, held: null, calls: new Map(), tail: null };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        open.held = controller;
      },
      // The session went away (closed, evicted, its object restarted): end the child too.
      cancel: () => this.#gone(key, open),
    });
    this.#open.set(key, open);
    ws.send(sessionFrame('O', server, session, ticket === undefined ? undefined : JSON.stringify({ channel: ticket })));
    return stream;
  }

  /** A message nobody waits on a response to; `settles`: the id of a waiting request it cancels. */
  send(link: Link, server: string, session: string, message: string, settles?: string): void {
    const open = this.#session(server, session, message);
    link.ws.send(sessionFrame('M', server, session, message, link.replies ? settles : undefined));
    if (settles === undefined) return;
    open.calls.get(settles)?.resolve(null);
    open.calls.delete(settles);
  }

  /**
   * A request: resolves with its response (`null` from a connector without `R` frames, whose
   * response comes through the callback), rejects with the reason if the session ends first.
   */
  call(link: Link, server: string, session: string, id: string, message: string): Promise<string | null> {
    const open = this.#session(server, session, message);
    if (!link.replies) {
      link.ws.send(sessionFrame('M', server, session, message));
      return Promise.resolve(null);
    }
    link.ws.send(sessionFrame('R', server, session, message, id));
    return new Promise((resolve, reject) => open.calls.set(id, { resolve, reject }));
  }

  detach(server: string, session: string): void {
    const key = `${server} ${session}`;
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    fail(open, 'closed by the edge');
    finish(open);
    this.#sendTo(sessionFrame('C', server, session, 'closed by the edge'));
  }

  /** A session frame from the connector (M, R, N or C). */
  frame(ws: WebSocket, f: Frame): void {
    const key = `${f.server} ${f.session}`;
    const open = this.#open.get(key);
    if (f.type === 'C') this.#end(key, f.payload || `${f.server} ended the session`);
    else if (f.type === 'N') {
      if (open) this.#call(key, open, 'N', '');
    } else if (!open) ws.send(sessionFrame('C', f.server, f.session, 'no such session at the edge'));
    else this.#relay(key, open, f);
  }

  /** A message for an open session: a response someone waits on is returned, anything else delivered. */
  #relay(key: string, open: Open, f: Frame): void {
    const waiting = f.type === 'R' ? open.calls.get(f.id) : undefined;
    if (!waiting) {
      this.#deliver(key, open, f.payload);
      return;
    }
    open.calls.delete(f.id);
    if (open.tail) open.tail.then(() => waiting.resolve(f.payload));
    else waiting.resolve(f.payload);
  }

  /** Ends every session (the connector went away or was replaced). */
  endAll(why: string): void {
    for (const key of [...this.#open.keys()]) this.#end(key, why);
  }

  // ---- internals ----

  #session(server: string, session: string, message: string): Open {
    if (message.length > MAX_FRAME_BYTES) throw new Error(`a message to ${server} is larger than 4 MiB`);
    const open = this.#open.get(`${server} ${session}`);
    if (!open) throw new Error(`the session with ${server} on connector ${this.name} has ended`);
    return open;
  }

  #sendTo(frame: string): void {
    try {
      this.link()?.ws.send(frame);
    } catch {
      /* the socket closed meanwhile: the connector ends its children on disconnect */
    }
  }

  /** One message to a session, not awaited. A call that fails means the session is gone: end its child too. */
  #deliver(key: string, open: Open, text: string): void {
    this.#call(key, open, 'M', text);
  }

  #call(key: string, open: Open, kind: 'M' | 'N', text: string): void {
    const p: Promise<unknown> = Promise.resolve(open.sink(kind, text))
      .catch(() => this.#gone(key, open))
      .finally(() => {
        if (open.tail === p) open.tail = null;
      });
    open.tail = p;
  }

  /** Ends a session at the edge with `why`: its last call, after every message before it. */
  #end(key: string, why: string): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    fail(open, why);
    Promise.resolve(open.sink('C', why))
      .catch(() => {})
      .finally(() => finish(open));
  }

  /** The session went away at the edge: forget it and end its child on the connector. */
  #gone(key: string, open: Open): void {
    if (this.#open.get(key) !== open) return;
    this.#open.delete(key);
    fail(open, 'the edge session ended');
    finish(open);
    const [server, session] = key.split(' ');
    this.#sendTo(sessionFrame('C', server, session, 'the edge session ended'));
  }

  #evictOldest(): void {
    const [key] = this.#open.keys();
    this.#end(key, `connector ${this.name} holds at most ${MAX_STREAMS} sessions; the oldest was ended`);
    const [server, session] = key.split(' ');
    this.#sendTo(sessionFrame('C', server, session, 'ended: too many sessions on this connector'));
  }
}

/** The session ended: its waiting requests fail with the reason (the transport reports it per request too). */
function fail(open: Open, why: string): void {
  for (const w of open.calls.values()) w.reject(new Error(why));
  open.calls.clear();
}
