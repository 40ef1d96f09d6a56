/**
 * The connector's slot for an http(s) entry (`uri` + `transport.connector`): instead of a child
 * process, each edge session gets its own MCP client transport to the URL, opened from this
 * machine (so a remote edgehub reaches servers on this private network; the edge's SSRF guard is
 * not applied here on purpose). JSON-RPC messages are relayed unchanged both ways, exactly like a
 * child's stdio lines: one transport per session, no id remapping. `${NAME}` in the headers
 * resolves from this machine's environment; header values are never logged or reported.
 *
 * Same interface as supervisor.mjs's ServerSlot (the shared state is slot-state.mjs). States: `ready` once the headers resolve,
 * `failed` when one references an unset variable, `backoff` after a request failed (the session
 * ends with the reason, as when a child exits); the next message the server answers makes it
 * `ready` again.
 */
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SlotState } from './slot-state.mjs';
import { MAX_SESSIONS_PER_SERVER, resolveEnv } from './supervisor.mjs';

/**
 * @typedef {{ uri: string, headers: Record<string, string> }} HttpEntry
 * @typedef {import('@modelcontextprotocol/sdk/shared/transport.js').Transport} Transport
 * @typedef {{ transport: Transport, started: Promise<void>, initIds: Set<unknown>, closing: boolean }} Relay
 * @typedef {{ sink: import('./supervisor.mjs').Sink, env: NodeJS.ProcessEnv, report(): void }} Owner
 */

/** A path ending in `/sse` is the legacy HTTP+SSE transport (as the edge's serverKind decides). */
const isSse = (/** @type {string} */ uri) => /\/sse\/?$/.test(new URL(uri).pathname);

export class HttpSlot extends SlotState {
  /** @override @type {Map<string, Relay>} */
  sessions = new Map();
  /** @type {Record<string, string> | null} */
  headers = null;

  /** @param {string} name @param {HttpEntry} entry @param {Owner} sup */
  constructor(name, entry, sup) {
    super(name, entry, sup);
    this.entry = entry;
    this.sup = sup;
  }

  start() {
    try {
      new URL(this.entry.uri);
      this.headers = resolveEnv(this.entry.headers, this.sup.env, 'header');
      this.setState('ready');
    } catch (e) {
      this.setState('failed', /** @type {Error} */ (e).message);
    }
  }

  /** @param {string} session */
  open(session) {
    if (!this.headers || this.state === 'failed') return this.sup.sink.closed(this.name, session, `${this.name} is ${this.state}: ${this.detail ?? ''}`);
    if (this.sessions.size >= MAX_SESSIONS_PER_SERVER) {
      const [oldest] = this.sessions.keys();
      this.close(oldest);
      this.sup.sink.closed(this.name, oldest, `ended: this connector runs at most ${MAX_SESSIONS_PER_SERVER} sessions of ${this.name}`);
    }
    const url = new URL(this.entry.uri);
    const opts = { requestInit: { headers: this.headers } };
    const transport = isSse(this.entry.uri) ? new SSEClientTransport(url, opts) : new StreamableHTTPClientTransport(url, opts);
    /** @type {Relay} */
    const relay = { transport, started: Promise.resolve(), initIds: new Set(), closing: false };
    transport.onmessage = (msg) => {
      const m = /** @type {any} */ (msg);
      // The protocol version header the SDK client would set after initialize (this relay is no Client).
      if (m.id !== undefined && relay.initIds.delete(m.id) && m.result?.protocolVersion) transport.setProtocolVersion?.(m.result.protocolVersion);
      if (this.state === 'backoff') this.setState('ready');
      this.sup.sink.message(this.name, session, JSON.stringify(msg), msg);
    };
    // Streamable HTTP: trouble with a GET stream or its reconnect is not fatal (logged); a failed send
    // ends the session. Legacy SSE: the stream *is* the session (its server forgets it when it
    // drops; EventSource would silently reconnect into a new, uninitialised one): ends it too.
    transport.onerror = (e) => {
      if (e instanceof SseError) this.#failed(session, relay, e);
      else this.sup.sink.log(`[${this.name}] ${e.message}`);
    };
    transport.onclose = () => this.#ended(session, relay, `${this.name} closed the connection`);
    relay.started = transport.start().catch((e) => this.#failed(session, relay, e));
    this.sessions.set(session, relay);
    this.sup.report();
  }

  /** @param {string} session @param {string} line */
  write(session, line) {
    const relay = this.sessions.get(session);
    if (!relay) return false;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return false;
    }
    if (msg?.method === 'initialize' && msg.id !== undefined) relay.initIds.add(msg.id);
    // Not chained on each other: a slow call must not hold back the answer to a sampling request.
    relay.started.then(() => (relay.closing ? undefined : relay.transport.send(msg))).catch((e) => this.#failed(session, relay, e));
    return true;
  }

  /** @param {string} session */
  close(session) {
    const relay = this.sessions.get(session);
    if (!relay) return;
    this.sessions.delete(session);
    shut(relay);
    this.sup.report();
  }

  dropSessions() {
    for (const relay of this.sessions.values()) shut(relay);
    this.sessions.clear();
  }

  stop() {
    for (const [session, relay] of this.sessions) {
      shut(relay);
      this.sup.sink.closed(this.name, session, `${this.name} was removed from this connector's assignment`);
    }
    this.sessions.clear();
  }

  /** @param {string} session @param {Relay} relay @param {unknown} e */
  #failed(session, relay, e) {
    if (relay.closing) return;
    const why = `request to ${this.entry.uri} failed: ${describe(e)}`;
    this.setState('backoff', why);
    this.#ended(session, relay, `${this.name} ${why}`);
    shut(relay);
  }

  /** @param {string} session @param {Relay} relay @param {string} reason */
  #ended(session, relay, reason) {
    if (this.sessions.get(session) !== relay) return;
    this.sessions.delete(session);
    this.sup.sink.closed(this.name, session, reason);
    this.sup.report();
  }
}

/** An error in words; Node's fetch hides the network cause (`fetch failed`) in `cause`. @param {unknown} e */
function describe(e) {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : '';
  return cause && !e.message.includes(cause) ? `${e.message} (${cause})` : e.message;
}

/** Ends one session's connection: DELETE of its MCP session where there is one, then close. @param {Relay} relay */
function shut(relay) {
  if (relay.closing) return;
  relay.closing = true;
  const t = relay.transport;
  const done = () => t.close().catch(() => {});
  if (t instanceof StreamableHTTPClientTransport && t.sessionId)
    t.terminateSession()
      .catch(() => {})
      .finally(done);
  else done();
}
