/**
 * The legacy lane (MCP 2025-03-26 / 2025-06-18 / 2025-11-25 Streamable HTTP), one instance
 * per session inside its SessionDO.
 *
 * Invariants:
 * - State lives in SessionStore (SQLite) and is re-read after eviction; in-memory maps only hold
 *   live things (open streams, in-flight requests, pending server→client requests).
 * - A session is bound to its principal: any other principal gets 404, as if it did not exist.
 * - Every request pins one Gateway (= one config version) from start to end.
 * - Server-initiated messages go on exactly one open GET stream (transports §listening) and are
 *   stored, bounded, for Last-Event-ID replay.
 */
import type { Principal } from '../auth/principal';
import { log } from '../observability/log';
import { startTrace, withTrace } from '../observability/trace';
import { ClientRequests } from './client-requests';
import type { RequestContext } from './context';
import { type Backend, dispatch } from './dispatch';
import { errorResponse, rpc, toRpcError } from './errors';
import { Exchange, type JsonReply, jsonReply } from './exchange';
import { GetStreams } from './get-streams';
import { LocalTasks } from './local-tasks';
import {
  ErrorCode,
  isLegacyVersion,
  isNotification,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  LATEST_LEGACY,
  LOG_LEVELS,
  type LogLevel,
} from './protocol';
import { INSTRUCTIONS, SERVER_CAPABILITIES, SERVER_INFO } from './server-info';
import type { SessionState, SessionStore } from './session-store';
import { LEGACY_TASKS_CAPABILITY, type TaskMap } from './task-map';

export interface SessionHost {
  /** The gateway for the newest config version this session knows. */
  gateway(state: SessionState): Promise<Backend>;
  /** Registers a new session under the tenant's caps; a message when it is refused. */
  admit(state: SessionState): Promise<string | null>;
  /** Keeps the session registered and its expiry alarm current; false when it was evicted meanwhile. */
  touched(state: SessionState): Promise<boolean>;
  /** The client set a log level: fan it out to upstreams. */
  logLevelChanged(state: SessionState, level: LogLevel): Promise<void>;
  /** The client's roots changed: tell upstreams. */
  rootsChanged(state: SessionState): Promise<void>;
  /** The session's last GET stream closed. */
  streamsClosed(): void;
}

/** MCP transports §session management: an unknown or terminated session → 404 (also for another principal). */
export function sessionNotFound(): JsonReply {
  return jsonReply(
    {
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCode.SessionNotFound, message: 'Session not found: it ended or never existed. Initialize a new session.' },
    },
    404,
  );
}

/** The request's W3C trace headers, carried from the Worker to the session (observability/trace.ts). */
export interface TraceHeaders {
  traceparent?: string | null;
  tracestate?: string | null;
  baggage?: string | null;
}

export class LegacySession {
  #state: SessionState | null | undefined;
  #inflight = new Map<string, AbortController>();
  readonly #outgoing = new ClientRequests();
  #localTasks = new LocalTasks();

  readonly #streams: GetStreams;

  constructor(
    private readonly store: SessionStore,
    private readonly host: SessionHost,
  ) {
    this.#streams = new GetStreams(store, () => host.streamsClosed());
  }

  /** The session's task ids (task-map.ts), in its own SQLite. */
  taskMap(): TaskMap {
    return this.store.tasks;
  }

  state(): SessionState | null {
    if (this.#state === undefined) this.#state = this.store.load();
    return this.#state;
  }

  /**
   * Opens the session. Returns null if this id was used before (the caller made a fresh id), or
   * `refused` when the tenant's session cap is reached (nothing is stored then).
   */
  async initialize(
    id: string,
    principal: Principal,
    params: Record<string, unknown>,
    view?: SessionState['view'],
  ): Promise<{ result: Record<string, unknown> } | { refused: string } | { invalid: { code: number; message: string; httpStatus: number } } | null> {
    if (this.state()) return null;
    const requested = params.protocolVersion;
    const version = isLegacyVersion(requested) ? requested : LATEST_LEGACY;
    const now = Date.now();
    const state: SessionState = {
      id,
      principal,
      protocolVersion: version,
      clientCapabilities: (params.capabilities as Record<string, unknown>) ?? {},
      clientInfo: (params.clientInfo as Record<string, unknown>) ?? {},
      createdAt: now,
      lastSeenAt: now,
      subscriptions: [],
      ...(view && (view.profile || view.mode) ? { view } : {}),
    };
    // A view that cannot be served (unknown profile, bad mode claim) is refused now, not on every request.
    if (state.view || principal.profile || principal.mode) {
      try {
        await this.host.gateway(state);
      } catch (e) {
        const err = toRpcError(e);
        if (err.code !== ErrorCode.InternalError) return { invalid: { code: err.code, message: err.message, httpStatus: err.httpStatus } };
        throw e;
      }
    }
    const refused = await this.host.admit(state);
    if (refused) return { refused };
    this.store.save(state);
    this.#state = state;
    // MCP 2025-11-25 tasks are forwarded on this lane (gateway/tasks.ts); 2025-06-18 has none.
    const capabilities = version === '2025-06-18' ? SERVER_CAPABILITIES : { ...SERVER_CAPABILITIES, tasks: LEGACY_TASKS_CAPABILITY };
    return { result: { protocolVersion: version, capabilities, serverInfo: SERVER_INFO, instructions: INSTRUCTIONS } };
  }

  /** The session if it exists and belongs to `principal`; otherwise null (→ 404). */
  authorize(principal: Principal): SessionState | null {
    const s = this.state();
    if (!s || s.principal.sub !== principal.sub || s.principal.tenant !== principal.tenant) return null;
    // A token bound to another profile is another view of the tenant: not this session's.
    if ((s.principal.profile ?? null) !== (principal.profile ?? null)) return null;
    return s;
  }

  /**
   * `principal` is this request's (same sub and tenant as the session's, checked by authorize()):
   * its scopes apply, so a session never keeps rights its current token no longer grants.
   */
  async post(
    state: SessionState,
    principal: Principal,
    message: JsonRpcMessage,
    acceptsSse: boolean,
    requestId?: string,
    traceHeaders?: TraceHeaders,
  ): Promise<Response | JsonReply> {
    if (!(await this.#touch(state))) return sessionNotFound();
    if (isRequest(message)) {
      const exchange = new Exchange({ acceptsSse, stamp: (data) => this.store.appendEvent(`post:${String(message.id)}`, data) });
      const key = JSON.stringify(message.id);
      const ac = new AbortController();
      this.#inflight.set(key, ac);
      const trace = startTrace(message.params?._meta as Record<string, unknown> | undefined, traceHeaders);
      const work = withTrace(trace, () => this.#run(state, principal, message, exchange, ac.signal, requestId)).finally(() => this.#inflight.delete(key));
      return exchange.reply(work, () => ac.abort(new Error('client closed the stream')));
    }
    if (isNotification(message)) this.#onNotification(message.method, message.params ?? {});
    else this.#outgoing.answer(message as JsonRpcResponse);
    return { status: 202, body: null };
  }

  /** GET: a standalone stream for server-initiated messages, or a resumed one (Last-Event-ID). */
  get(state: SessionState, lastEventId: string | null): Response {
    const before = state.streamed === true;
    if (!before) this.store.save(Object.assign(state, { streamed: true }));
    return this.#streams.open(lastEventId, before);
  }

  async terminate(): Promise<void> {
    for (const ac of this.#inflight.values()) ac.abort(new Error('session terminated'));
    this.#localTasks.abortAll();
    this.#outgoing.rejectAll(new Error('session terminated'));
    this.#streams.closeAll();
    this.#state = null;
    await this.store.destroy();
  }

  /** Its GET streams: server-initiated notifications and list_changed hints go there (get-streams.ts). */
  get streams(): GetStreams {
    return this.#streams;
  }

  /** Refreshes the registry at most every 30 s; false (and the session ended) when it was evicted. */
  async #touch(state: SessionState): Promise<boolean> {
    const now = Date.now();
    if (now - state.lastSeenAt < 30_000) return true;
    state.lastSeenAt = now;
    this.store.save(state);
    if (await this.host.touched(state)) return true;
    await this.terminate();
    return false;
  }

  async #run(
    state: SessionState,
    principal: Principal,
    req: JsonRpcRequest,
    exchange: Exchange,
    signal: AbortSignal,
    requestId?: string,
  ): Promise<JsonRpcMessage> {
    const started = Date.now();
    const params = req.params ?? {};
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    const ctx: RequestContext = {
      lane: 'legacy',
      requestId,
      principal,
      protocolVersion: state.protocolVersion,
      clientCapabilities: state.clientCapabilities,
      signal,
      progressToken: meta.progressToken as string | number | undefined,
      params,
      tasks: this.taskMap(),
      localTasks: this.#localTasks,
      logLevel: state.logLevel,
      notify: (method, p) => {
        exchange.send({ jsonrpc: '2.0', method, params: p });
      },
      request: (method, p) => this.#outgoing.send(method, p, (m) => exchange.send(m) || this.#streams.send(m), signal),
    };
    try {
      const result = await this.#method(state, ctx, req.method, params);
      return { jsonrpc: '2.0', id: req.id, result };
    } catch (e) {
      const err = toRpcError(e);
      if (err.code === ErrorCode.InternalError)
        log.error('request failed', { requestId, session: state.id, tenant: state.principal.tenant, method: req.method, ms: Date.now() - started, error: e });
      return errorResponse(req.id, err);
    }
  }

  async #method(state: SessionState, ctx: RequestContext, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (method) {
      case 'initialize':
        throw rpc.invalidRequest('session is already initialized');
      case 'ping':
        return {};
      case 'logging/setLevel': {
        const level = params.level;
        if (!LOG_LEVELS.includes(level as LogLevel)) throw rpc.invalidParams(`level must be one of ${LOG_LEVELS.join(', ')}`);
        state.logLevel = level as LogLevel;
        this.store.save(state);
        await this.host.logLevelChanged(state, state.logLevel);
        return {};
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const result = await dispatch(await this.host.gateway(state), ctx, method, params);
        const uri = String(params.uri);
        const subs = new Set(state.subscriptions);
        if (method === 'resources/subscribe') subs.add(uri);
        else subs.delete(uri);
        state.subscriptions = [...subs];
        this.store.save(state);
        return result;
      }
      default:
        return dispatch(await this.host.gateway(state), ctx, method, params);
    }
  }

  /** A server→client request with no related client request: sent on a GET stream. */
  serverRequest(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#outgoing.send(method, params, (m) => this.#streams.send(m), new AbortController().signal);
  }

  #onNotification(method: string, params: Record<string, unknown>): void {
    if (method === 'notifications/roots/list_changed') {
      const state = this.state();
      if (state) void this.host.rootsChanged(state).catch((e) => log.warn('roots fan-out failed', { session: state.id, error: e }));
    } else if (method === 'notifications/cancelled') {
      const ac = this.#inflight.get(JSON.stringify(params.requestId));
      ac?.abort(new Error(typeof params.reason === 'string' ? params.reason : 'cancelled by client'));
    }
    // notifications/initialized, roots/list_changed and progress need no reply.
  }
}
