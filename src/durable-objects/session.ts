/**
 * SessionDO: one per MCP session (legacy lane), named `{tenant}:{sessionId}`. Serialises the
 * session's state and owns its upstream connections. Thin: delegates to LegacySession
 * (protocol) and SessionRuntime (config, upstreams, metrics); the alarm ends idle sessions.
 */

import { DurableObject } from 'cloudflare:workers';
import type { Principal } from '../auth/principal';
import { sessionIdleTtlMs } from '../config/limits';
import type { ConfigSnapshot, SnapshotText } from '../config/schema';
import { PING, PONG } from '../mcp/connector-frames.mjs';
import type { JsonReply } from '../mcp/exchange';
import { LegacySession, sessionNotFound, type TraceHeaders } from '../mcp/legacy-session';
import type { JsonRpcMessage } from '../mcp/protocol';
import { type SessionState, SessionStore } from '../mcp/session-store';
import { log } from '../observability/log';
import { ConnectorChannels } from '../runtime/connector-channels';
import type { PushAnswer } from '../runtime/session-fanout';
import { SessionRuntime } from '../runtime/session-host';

export class SessionDO extends DurableObject<Env> {
  #session: LegacySession;
  #host: SessionRuntime;
  #channels: ConnectorChannels;
  /** initialize calls in flight: registered at the Config DO before their state is saved. */
  #opening = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const name = ctx.id.name ?? '';
    this.#channels = new ConnectorChannels(ctx, name.slice(name.lastIndexOf(':') + 1));
    // A connector's keepalive on a quiet channel is answered without waking this object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.#channels.closeOrphans();
    this.#host = new SessionRuntime(
      env,
      () => this.#session,
      (lastSeen) => ctx.storage.setAlarm(lastSeen + this.#ttlMs()),
      (connector) => this.#channels.offer(connector),
    );
    this.#session = new LegacySession(new SessionStore(ctx.storage), this.#host);
  }

  async open(id: string, principal: Principal, params: Record<string, unknown>, view?: SessionState['view']) {
    this.#opening++;
    try {
      return await this.#session.initialize(id, principal, params, view);
    } finally {
      this.#opening--;
    }
  }

  /** A JSON reply comes back as plain data (one string copy over RPC), an SSE reply as a Response. */
  async post(principal: Principal, message: JsonRpcMessage, acceptsSse: boolean, requestId?: string, trace?: TraceHeaders): Promise<Response | JsonReply> {
    const state = this.#session.authorize(principal);
    return state ? this.#session.post(state, principal, message, acceptsSse, requestId, trace) : sessionNotFound();
  }

  async get(principal: Principal, lastEventId: string | null): Promise<Response | JsonReply> {
    const state = this.#session.authorize(principal);
    if (!state) return sessionNotFound();
    const stream = this.#session.get(state, lastEventId);
    if (this.#session.streams.size > 0) this.#host.streamOpened(state);
    return stream;
  }

  async terminate(principal: Principal): Promise<boolean> {
    const state = this.#session.authorize(principal);
    if (!state) return false;
    await this.#host.ended(state);
    await this.#session.terminate();
    return true;
  }

  /** The ConfigDO ended this session: its principal opened more than MAX_SESSIONS_PER_PRINCIPAL. */
  async evict(): Promise<void> {
    const state = this.#session.state();
    if (!state) return;
    await this.#host.ended(state);
    await this.#session.terminate();
  }

  /**
   * Pushed by the ConfigDO after a change (with the snapshot, so no read back): install it and tell
   * the client its lists changed. `gone` when this object holds no session: the registry prunes it.
   */
  async configChanged(version: number, snapshot?: ConfigSnapshot | SnapshotText): Promise<PushAnswer> {
    // Not saved yet is not gone: initialize registers first, then saves (a push may come between).
    if (!this.#session.state()) return this.#opening ? 'ok' : 'gone';
    if (await this.#host.configChanged(version, snapshot)) this.#session.streams.listsChanged();
    return 'ok';
  }

  /** An upstream grant of this session's principal was made or revoked (src/vault/): relist. */
  async grantChanged(server: string, elicitationId?: string): Promise<void> {
    if (this.#host.grantChanged(server)) this.#session.streams.listsChanged();
    // MCP 2025-11-25 URL elicitation: tell the client the out-of-band step finished (it may retry).
    if (elicitationId) this.#session.streams.broadcast('notifications/elicitation/complete', { elicitationId });
  }

  /** A connector came or went: its servers' tools leave or come back (list_changed). */
  async connectorChanged(name: string): Promise<void> {
    if (this.#host.connectorChanged(name)) this.#session.streams.listsChanged();
  }

  /** A connector dialling a channel of this session (routes/connect.ts; runtime/connector-channels.ts). */
  override async fetch(req: Request): Promise<Response> {
    return this.#channels.accept(req);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.#channels.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#channels.closed(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.#channels.closed(ws, 1006, error instanceof Error ? error.message : String(error));
  }

  /** Idle expiry: a session unseen for SESSION_IDLE_TTL_SECONDS ends and leaves no storage. */
  override async alarm(): Promise<void> {
    const state = this.#session.state();
    if (!state) return;
    const due = state.lastSeenAt + this.#ttlMs();
    if (Date.now() < due) {
      await this.ctx.storage.setAlarm(due);
      return;
    }
    log.info('session expired', { session: state.id, tenant: state.principal.tenant, idleMs: Date.now() - state.lastSeenAt });
    await this.#host.ended(state);
    await this.#session.terminate();
  }

  #ttlMs(): number {
    return sessionIdleTtlMs(this.env);
  }
}
