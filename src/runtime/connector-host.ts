/**
 * The edge end of one connector (tenant, name), run by its ConnectorDO: the connector's WebSocket
 * (hibernatable), the assignment pushed to the connector and the state it reports. The sessions it
 * relays are connector-sessions.ts.
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
import type { Attached, AttachRefused, ConnectorDeliver } from '../gateway/connector-transport';
import { CLOSE_HEARTBEAT, CLOSE_PROTOCOL, CLOSE_REPLACED, controlFrame, decodeFrame, MAX_FRAME_BYTES, PING, PONG } from '../mcp/connector-frames.mjs';
import { log } from '../observability/log';
import { ConnectorSessions, type Link } from './connector-sessions';

export const HEARTBEAT_CHECK_MS = 4_000;
export const HEARTBEAT_DEAD_MS = 6_000;
/** How often a beat also asks the ConfigDO for a newer assignment (a missed push is caught up). */
export const ASSIGNMENT_REFRESH_MS = 60_000;

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

/** A socket's attachment: which connection it is, and the frame features it dialled with. */
interface Attachment {
  conn: string;
  replies: boolean;
  channels?: boolean;
}

interface Persisted {
  /** The accepted connection (its socket's attachment's `conn`): closes of replaced ones are ignored. */
  conn?: string;
  since: number | null;
  online: boolean;
  sub?: string;
  reports: Record<string, ServerReport>;
}

export class ConnectorHost {
  #sessions: ConnectorSessions;
  #assignment: Assignment | null = null;
  #state: Persisted | null = null;
  /** The open socket, found once (not per call); gone after hibernation, found again. */
  #link: Link | undefined;
  /** When a beat last asked for a newer assignment (0: the next beat does). */
  #refreshedAt = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    readonly tenant: string,
    readonly name: string,
  ) {
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.#sessions = new ConnectorSessions(name, () => this.#socket());
  }

  // ---- the connector's socket ----

  /** `features`: the frame features the connector dialled with (FRAMES_REPLIES, FRAMES_CHANNELS). */
  async accept(sub: string, features: { replies: boolean; channels: boolean }): Promise<Response> {
    for (const old of this.ctx.getWebSockets()) old.close(CLOSE_REPLACED, 'replaced by a newer connection of this connector');
    this.#link = undefined;
    const pair = new WebSocketPair();
    const conn = crypto.randomUUID();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ conn, ...features } satisfies Attachment);
    await this.#save({ conn, since: Date.now(), online: true, sub, reports: {} });
    this.#sessions.endAll(`connector ${this.name} reconnected`);
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
    if (f.type === 'M' || f.type === 'R' || f.type === 'C' || f.type === 'N') this.#sessions.frame(ws, f);
  }

  async closed(ws: WebSocket, reason: string): Promise<void> {
    const s = await this.#load();
    if (!s.online || attachmentOf(ws).conn !== s.conn) return; // replaced by a newer connection
    await this.#offline(s, reason);
  }

  async #offline(s: Persisted, reason: string): Promise<void> {
    const next = { ...s, since: Date.now(), online: false };
    await this.#save(next);
    this.#sessions.endAll(`connector ${this.name} went offline (${reason})`);
    await this.#changed();
    const error = offline(this.name, next);
    await this.#health(Object.fromEntries(Object.keys(s.reports).map((n) => [n, { ok: false, error }])));
    log.warn('connector offline', { tenant: this.tenant, connector: this.name, reason });
  }

  /** Heartbeat: close a connection whose pings stopped; keep checking while one is open. */
  async alarm(): Promise<void> {
    const ws = this.#socket()?.ws;
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
    // a conditional read now and then catches up, without a ConfigDO call on every beat.
    if (Date.now() - this.#refreshedAt < ASSIGNMENT_REFRESH_MS) return;
    this.#refreshedAt = Date.now();
    await this.push(this.#assignment?.version ?? 0).catch((e) => log.warn('connector assignment refresh failed', { connector: this.name, error: e }));
  }

  /** Sends the connector its assignment if the config moved past `known` (0: always). */
  async push(known = 0): Promise<void> {
    const ws = this.#socket()?.ws;
    if (!ws) return;
    const next = await configApi(this.env, this.tenant).assignment(this.name, known);
    if (!next) return;
    this.#assignment = next;
    ws.send(controlFrame('A', this.#assignment));
  }

  // ---- sessions (RPC from SessionDOs and modern-lane isolates) ----

  /** `ticket`: a channel ticket to hand the connector with the session (only if it takes them). */
  async attach(server: string, session: string, deliver: ConnectorDeliver, ticket?: string): Promise<Attached | AttachRefused> {
    const link = this.#socket();
    const s = await this.#load();
    if (!link) return { error: offline(this.name, s) };
    if (!this.#assignment?.servers[server]) await this.push();
    if (!this.#assignment?.servers[server]) return { error: `connector ${this.name} does not run ${server}: it is not an enabled entry assigned to it` };
    const report = s.reports[server];
    if (report?.state === 'crash-looping' || report?.state === 'failed') return { error: describe(this.name, server, report) };
    const channel = ticket !== undefined && link.channels === true;
    return { held: this.#sessions.open(link.ws, server, session, deliver, channel ? ticket : undefined), channel };
  }

  async send(server: string, session: string, message: string, settles?: string): Promise<void> {
    this.#sessions.send(await this.#online(), server, session, message, settles);
  }

  async call(server: string, session: string, id: string, message: string): Promise<string | null> {
    return this.#sessions.call(await this.#online(), server, session, id, message);
  }

  async detach(server: string, session: string): Promise<void> {
    this.#sessions.detach(server, session);
  }

  async info(): Promise<ConnectorInfo> {
    const s = await this.#load();
    return { name: this.name, online: s.online, since: s.since, sub: s.sub, version: this.#assignment?.version ?? 0, servers: s.reports };
  }

  // ---- internals ----

  #socket(): Link | undefined {
    if (this.#link?.ws.readyState === WebSocket.OPEN) return this.#link;
    const ws = this.ctx.getWebSockets().find((w) => w.readyState === WebSocket.OPEN);
    const a = ws && attachmentOf(ws);
    this.#link = ws && a && { ws, replies: a.replies, channels: a.channels === true };
    return this.#link;
  }

  /** The open socket, or the error naming the connector and since when it is away. */
  async #online(): Promise<Link> {
    const link = this.#socket();
    if (!link) throw new Error(offline(this.name, await this.#load()));
    return link;
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

/** A socket's attachment (a bare `conn` string from a connection accepted before `R` frames existed). */
function attachmentOf(ws: WebSocket): Attachment {
  const a = ws.deserializeAttachment() as Attachment | string | null;
  return typeof a === 'string' ? { conn: a, replies: false } : (a ?? { conn: '', replies: false });
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
