/**
 * The edge end of one connector (tenant, name), run by its ConnectorDO: the connector's WebSocket
 * (hibernatable), the per-session `deliver` callbacks of edge sessions, the assignment pushed to
 * the connector and the state it reports.
 *
 * Invariants:
 * - One connection per (tenant, name): a new one replaces the old (closed with CLOSE_REPLACED), so
 *   a restarted connector takes over at once instead of waiting out a dead socket's heartbeat.
 * - A connection whose pings stop for HEARTBEAT_DEAD_MS is closed by the alarm: with the check
 *   every HEARTBEAT_CHECK_MS a vanished machine is noticed within 10 s. Pings are answered by the
 *   runtime's auto-response and never wake the object; the alarm does, every 4 s while connected.
 * - Going on- or offline ends every open session stream (their clients reconnect and get a clear
 *   error) and tells the ConfigDO, which tells sessions and listen streams that lists changed.
 * - The connector gets only its assignment (config/connector.ts) and cannot change anything: it
 *   sends MCP messages of sessions the edge opened, and its state.
 */

import { configApi } from '../config/api';
import type { Assignment } from '../config/connector';
import type { ConnectorDeliver } from '../gateway/connector-transport';
import {
  CLOSE_HEARTBEAT,
  CLOSE_PROTOCOL,
  CLOSE_REPLACED,
  controlFrame,
  decodeFrame,
  MAX_FRAME_BYTES,
  PING,
  PONG,
  sessionFrame,
} from '../mcp/connector-frames.mjs';
import { log } from '../observability/log';

export const HEARTBEAT_CHECK_MS = 4_000;
export const HEARTBEAT_DEAD_MS = 6_000;
/** Open session streams per connector; past it the least recently used one is ended. */
export const MAX_STREAMS = 256;

/** What a connector reports per server (its supervisor's view). */
export interface ServerReport {
  state: 'starting' | 'ready' | 'backoff' | 'crash-looping' | 'failed';
  detail?: string;
  since: number;
  sessions: number;
}

export interface ConnectorInfo {
  name: string;
  online: boolean;
  since: number | null;
  sub?: string;
  version: number;
  servers: Record<string, ServerReport>;
}

interface Persisted {
  /** The accepted connection (its socket's attachment): closes of replaced ones are ignored. */
  conn?: string;
  since: number | null;
  online: boolean;
  sub?: string;
  reports: Record<string, ServerReport>;
}

/** A session's `deliver` as received over RPC: a stub, kept past the call with `dup()`, released by `release`. */
type Sink = ConnectorDeliver & { dup?(): Sink };

/** Closes a session's idle stream and releases its kept stub (`Symbol.dispose`, not in this TypeScript lib). */
function finish(open: { sink: Sink; held: ReadableStreamDefaultController<Uint8Array> | null }): void {
  try {
    open.held?.close();
  } catch {
    /* already cancelled */
  }
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  const f = dispose && (open.sink as unknown as Record<symbol, unknown>)[dispose];
  if (typeof f === 'function') f.call(open.sink);
}

/**
 * An open session: its callback (every message, and its end) and the controller of the idle stream
 * `attach` returned. That stream carries nothing: it is held open for the session's lifetime, so
 * its cancel tells that the session went away, and like any open stream it keeps this object from
 * hibernating away the sessions it serves (as when messages travelled on it).
 */
interface Open {
  sink: Sink;
  held: ReadableStreamDefaultController<Uint8Array> | null;
}

export class ConnectorHost {
  /** Open sessions (`server session`); insertion order = age (eviction). */
  #streams = new Map<string, Open>();
  #assignment: Assignment | null = null;
  #state: Persisted | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    readonly tenant: string,
    readonly name: string,
  ) {
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  // ---- the connector's socket ----

  async accept(sub: string): Promise<Response> {
    for (const old of this.ctx.getWebSockets()) old.close(CLOSE_REPLACED, 'replaced by a newer connection of this connector');
    const pair = new WebSocketPair();
    const conn = crypto.randomUUID();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment(conn);
    await this.#save({ conn, since: Date.now(), online: true, sub, reports: {} });
    this.#endStreams(`connector ${this.name} reconnected`);
    await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_CHECK_MS);
    this.#assignment = null;
    this.ctx.waitUntil(this.#changed().then(() => this.push()));
    log.info('connector online', { tenant: this.tenant, connector: this.name, sub });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async message(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const text = typeof data === 'string' ? data : null;
    if (text === null || text.length > MAX_FRAME_BYTES) return ws.close(CLOSE_PROTOCOL, 'frames are text and at most 4 MiB');
    const f = decodeFrame(text);
    if (!f) return ws.close(CLOSE_PROTOCOL, 'malformed frame');
    if (f.type === 'S') return this.#report(f.payload);
    const key = `${f.server} ${f.session}`;
    if (f.type === 'M') {
      if (this.#streams.has(key)) this.#deliver(key, f.payload);
      else ws.send(sessionFrame('C', f.server, f.session, 'no such session at the edge'));
    } else if (f.type === 'C') this.#end(key, f.payload || `${f.server} ended the session`);
  }

  async closed(ws: WebSocket, reason: string): Promise<void> {
    const s = await this.#load();
    if (!s.online || ws.deserializeAttachment() !== s.conn) return; // replaced by a newer connection
    await this.#offline(s, reason);
  }

  async #offline(s: Persisted, reason: string): Promise<void> {
    const next = { ...s, since: Date.now(), online: false };
    await this.#save(next);
    this.#endStreams(`connector ${this.name} went offline (${reason})`);
    await this.#changed();
    const error = offline(this.name, next);
    await this.#health(Object.fromEntries(Object.keys(s.reports).map((n) => [n, { ok: false, error }])));
    log.warn('connector offline', { tenant: this.tenant, connector: this.name, reason });
  }

  /** Heartbeat: close a connection whose pings stopped; keep checking while one is open. */
  async alarm(): Promise<void> {
    const ws = this.#socket();
    if (!ws) {
      // The socket is gone without a close event (the object was restarted): offline from now.
      const s = await this.#load();
      if (s.online) await this.#offline(s, 'connection lost');
      return;
    }
    const last = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? (await this.#load()).since ?? 0;
    if (Date.now() - last > HEARTBEAT_DEAD_MS) {
      ws.close(CLOSE_HEARTBEAT, 'no ping within the heartbeat timeout');
      await this.closed(ws, 'heartbeat timeout');
      return;
    }
    await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_CHECK_MS);
    // A change push may have missed this object (it only knows connectors named since it started):
    // one conditional read per beat catches up.
    await this.push(this.#assignment?.version ?? 0).catch((e) => log.warn('connector assignment refresh failed', { connector: this.name, error: e }));
  }

  /** Sends the connector its assignment if the config moved past `known` (0: always). */
  async push(known = 0): Promise<void> {
    const ws = this.#socket();
    if (!ws) return;
    const next = await configApi(this.env, this.tenant).assignment(this.name, known);
    if (!next) return;
    this.#assignment = next;
    ws.send(controlFrame('A', this.#assignment));
  }

  // ---- sessions (RPC from SessionDOs and modern-lane isolates) ----

  async attach(server: string, session: string, deliver: ConnectorDeliver): Promise<ReadableStream<Uint8Array>> {
    const ws = this.#socket();
    const s = await this.#load();
    if (!ws) throw new Error(offline(this.name, s));
    if (!this.#assignment?.servers[server]) await this.push();
    if (!this.#assignment?.servers[server]) throw new Error(`connector ${this.name} does not run ${server}: it is not an enabled entry assigned to it`);
    const report = s.reports[server];
    if (report?.state === 'crash-looping' || report?.state === 'failed') throw new Error(describe(this.name, server, report));
    const key = `${server} ${session}`;
    if (this.#streams.size >= MAX_STREAMS) this.#evictOldest();
    const sink = deliver as Sink;
    // A stub received as a parameter is released when this call returns unless duplicated.
    const open: Open = { sink: sink.dup?.() ?? sink, held: null };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        open.held = controller;
      },
      // The session went away (closed, evicted, its object restarted): end the child too.
      cancel: () => this.#gone(key, open),
    });
    this.#streams.set(key, open);
    ws.send(sessionFrame('O', server, session));
    return stream;
  }

  async send(server: string, session: string, message: string): Promise<void> {
    if (message.length > MAX_FRAME_BYTES) throw new Error(`a message to ${server} is larger than 4 MiB`);
    const ws = this.#socket();
    if (!ws) throw new Error(offline(this.name, await this.#load()));
    if (!this.#streams.has(`${server} ${session}`)) throw new Error(`the session with ${server} on connector ${this.name} has ended`);
    ws.send(sessionFrame('M', server, session, message));
  }

  async detach(server: string, session: string): Promise<void> {
    const key = `${server} ${session}`;
    const open = this.#streams.get(key);
    if (!open) return;
    this.#streams.delete(key);
    finish(open);
    this.#sendTo(sessionFrame('C', server, session, 'closed by the edge'));
  }

  async info(): Promise<ConnectorInfo> {
    const s = await this.#load();
    return { name: this.name, online: s.online, since: s.since, sub: s.sub, version: this.#assignment?.version ?? 0, servers: s.reports };
  }

  // ---- internals ----

  #socket(): WebSocket | undefined {
    return this.ctx.getWebSockets().find((ws) => ws.readyState === WebSocket.OPEN);
  }

  #sendTo(frame: string): void {
    try {
      this.#socket()?.send(frame);
    } catch {
      /* the socket closed meanwhile: the connector ends its children on disconnect */
    }
  }

  /**
   * One message to a session, not awaited (calls on one stub arrive in the order they were made).
   * A call that fails means the session is gone: end its child too.
   */
  #deliver(key: string, text: string): void {
    const open = this.#streams.get(key);
    if (open) Promise.resolve(open.sink('M', text)).catch(() => this.#gone(key, open));
  }

  /** Ends a session at the edge with `why`: its last call, after every message before it. */
  #end(key: string, why: string): void {
    const open = this.#streams.get(key);
    if (!open) return;
    this.#streams.delete(key);
    Promise.resolve(open.sink('C', why))
      .catch(() => {})
      .finally(() => finish(open));
  }

  /** The session went away at the edge: forget it and end its child on the connector. */
  #gone(key: string, open: Open): void {
    if (this.#streams.get(key) !== open) return;
    this.#streams.delete(key);
    finish(open);
    const [server, session] = key.split(' ');
    this.#sendTo(sessionFrame('C', server, session, 'the edge session ended'));
  }

  #evictOldest(): void {
    const [key] = this.#streams.keys();
    this.#end(key, `connector ${this.name} holds at most ${MAX_STREAMS} sessions; the oldest was ended`);
    const [server, session] = key.split(' ');
    this.#sendTo(sessionFrame('C', server, session, 'ended: too many sessions on this connector'));
  }

  #endStreams(why: string): void {
    for (const key of [...this.#streams.keys()]) this.#end(key, why);
  }

  async #report(payload: string): Promise<void> {
    let body: { servers?: Record<string, ServerReport> };
    try {
      body = JSON.parse(payload);
    } catch {
      return;
    }
    const s = await this.#load();
    const reports = body.servers ?? {};
    await this.#save({ ...s, reports });
    await this.#health(
      Object.fromEntries(Object.entries(reports).map(([n, r]) => [n, r.state === 'ready' ? { ok: true } : { ok: false, error: describe(this.name, n, r) }])),
    );
  }

  /** The servers' states as health rows of the tenant (hub_status, `GET /admin/api/health`, dashboard). */
  async #health(rows: Record<string, { ok: boolean; error?: string }>): Promise<void> {
    await configApi(this.env, this.tenant)
      .connectorHealth(rows)
      .catch((e) => log.warn('connector health report failed', { tenant: this.tenant, connector: this.name, error: e }));
  }

  /** Lists of this tenant's sessions may have changed: the ConfigDO fans it out. */
  async #changed(): Promise<void> {
    await configApi(this.env, this.tenant)
      .connectorChanged(this.name)
      .catch((e) => log.warn('connector change fan-out failed', { tenant: this.tenant, connector: this.name, error: e }));
  }

  async #load(): Promise<Persisted> {
    this.#state ??= (await this.ctx.storage.get<Persisted>('state')) ?? { since: null, online: false, reports: {} };
    return this.#state;
  }

  async #save(s: Persisted): Promise<void> {
    this.#state = s;
    await this.ctx.storage.put('state', s);
  }
}

/** A server's reported state in words, e.g. `x on connector laptop is crash-looping: exited 5 times in 60 s, last: …`. */
function describe(connector: string, server: string, r: ServerReport): string {
  return `${server} on connector ${connector} is ${r.state}${r.detail ? `: ${r.detail}` : ''}`;
}

/** The error a session gets while its connector is away: names it and since when. */
function offline(name: string, s: Persisted): string {
  if (!s.since) return `waiting for connector ${name}: it has never connected (run \`edgehub connect --name ${name}\` on the machine that runs it)`;
  return `waiting for connector ${name}: offline since ${new Date(s.since).toISOString()}`;
}
