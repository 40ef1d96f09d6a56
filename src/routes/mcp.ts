/**
 * The MCP endpoint: both protocol eras on one URL (MCP 2026-07-28 §dual-era servers).
 *
 * Lane selection for a POST: a request carrying the modern `_meta` protocol version, a modern
 * MCP-Protocol-Version header, or a modern-only method is served statelessly (runtime/modern.ts);
 * `initialize` opens a legacy session; anything else needs `Mcp-Session-Id` and goes to the
 * session's Durable Object. GET and DELETE belong to the legacy lane only.
 */

import { Hono } from 'hono';
import type { Principal } from '../auth/principal';
import { PROFILE_NAME_RE } from '../config/profiles';
import type { SessionDO } from '../durable-objects/session';
import { errorResponse, RpcError, rpc, toRpcError } from '../mcp/errors';
import { toResponse } from '../mcp/exchange';
import { parseBody } from '../mcp/jsonrpc';
import { sessionNotFound } from '../mcp/legacy-session';
import { ALL_VERSIONS, ErrorCode, HEADER_SESSION, HEADER_VERSION, isModernVersion, isRequest, type JsonRpcMessage, META_VERSION } from '../mcp/protocol';
import type { AuthVars } from '../middleware/auth';
import { MAX_BODY_BYTES, readLimited } from '../middleware/body';
import type { RequestIdVars } from '../middleware/request-id';
import { handleModern, MODERN_ONLY_METHODS } from '../runtime/modern';
import { parseMode, type ViewRequest } from '../runtime/views';
import { hex } from '../utils/bytes';
import { sessionStub } from '../utils/do-stubs';

type App = { Bindings: Env; Variables: AuthVars & RequestIdVars };

export const mcpRoutes = new Hono<App>();

const SESSION_ID_RE = /^[0-9a-f]{32}$/;

function sessionOf(env: Env, principal: Principal, sessionId: string) {
  return sessionStub(env, principal.tenant, sessionId);
}

function fail(err: RpcError, id: string | number | null = null): Response {
  return Response.json(errorResponse(id, err), { status: err.httpStatus === 200 ? 400 : err.httpStatus });
}

/** 128 random bits as 32 hex characters. */
function newSessionId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** `/mcp/p/NAME` and `?mode=` (runtime/views.ts decides with the token's claims and the config). */
function viewRequest(profile: string | undefined, mode: string | undefined): ViewRequest {
  if (profile !== undefined && !PROFILE_NAME_RE.test(profile))
    throw new RpcError(ErrorCode.InvalidParams, `no profile '${profile.slice(0, 64)}': profile names match ${PROFILE_NAME_RE}`, 404);
  return { ...(profile ? { profile } : {}), ...(mode ? { mode: parseMode(mode) } : {}) };
}

function acceptsSse(req: Request): boolean {
  const a = req.headers.get('accept') ?? '';
  return a.includes('text/event-stream') || a.includes('*/*');
}

function isModern(message: JsonRpcMessage, versionHeader: string | undefined): boolean {
  if (versionHeader !== undefined && isModernVersion(versionHeader)) return true;
  if (!('method' in message)) return false;
  if (MODERN_ONLY_METHODS.has(message.method)) return true;
  const meta = (message.params as { _meta?: unknown } | undefined)?._meta;
  return typeof meta === 'object' && meta !== null && META_VERSION in meta;
}

mcpRoutes.post('/', async (c) => {
  const ct = c.req.header('content-type') ?? '';
  if (!ct.toLowerCase().includes('application/json'))
    return fail(new RpcError(ErrorCode.InvalidRequest, 'Unsupported Media Type: send Content-Type: application/json', 415));
  const body = await readLimited(c.req.raw);
  if (body === null) return fail(new RpcError(ErrorCode.InvalidRequest, `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413));
  const parsed = parseBody(body);
  if (!parsed.ok) return fail(parsed.error, parsed.id);
  const message = parsed.message;
  const principal = c.get('principal');
  const versionHeader = c.req.header(HEADER_VERSION);
  let view: ViewRequest;
  try {
    view = viewRequest(c.req.param('profile'), c.req.query('mode'));
    // Refused here on both lanes (runtime/views.ts checks again where the view is built).
    if (view.profile && principal.profile && view.profile !== principal.profile)
      throw new RpcError(ErrorCode.Forbidden, `this token is bound to profile '${principal.profile}': use /mcp/p/${principal.profile} or /mcp`, 403);
  } catch (e) {
    return fail(toRpcError(e), 'id' in message ? (message.id ?? null) : null);
  }

  if (isModern(message, versionHeader)) return handleModern(c.env, c.req.raw, message, principal, (p) => c.executionCtx.waitUntil(p), c.get('requestId'), view);

  const sessionId = c.req.header(HEADER_SESSION);
  if (isRequest(message) && message.method === 'initialize') {
    if (sessionId) return fail(rpc.invalidRequest('initialize must not carry Mcp-Session-Id; omit it to open a new session'), message.id);
    const id = newSessionId();
    const opened = (await sessionOf(c.env, principal, id).open(id, principal, message.params ?? {}, view)) as Awaited<ReturnType<SessionDO['open']>>;
    if (!opened) return fail(rpc.internal(), message.id);
    if ('refused' in opened) return c.json(errorResponse(message.id, new RpcError(ErrorCode.ServerError, opened.refused, 429)), 429, { 'retry-after': '60' });
    if ('invalid' in opened) return fail(new RpcError(opened.invalid.code, opened.invalid.message, opened.invalid.httpStatus), message.id);
    return c.json({ jsonrpc: '2.0', id: message.id, result: opened.result }, 200, { [HEADER_SESSION]: id });
  }
  const id = 'id' in message ? (message.id ?? null) : null;
  // MCP transports §session management: requests other than initialize need the session id.
  if (!sessionId) return fail(rpc.invalidRequest('missing Mcp-Session-Id header; initialize first'), id);
  if (versionHeader !== undefined && !ALL_VERSIONS.includes(versionHeader))
    return fail(rpc.invalidRequest(`unsupported MCP-Protocol-Version '${versionHeader}'; supported: ${ALL_VERSIONS.join(', ')}`), id);
  if (!SESSION_ID_RE.test(sessionId)) return toResponse(sessionNotFound());
  const trace = { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate'), baggage: c.req.header('baggage') };
  return toResponse(await sessionOf(c.env, principal, sessionId).post(principal, message, acceptsSse(c.req.raw), c.get('requestId'), trace));
});

mcpRoutes.get('/', async (c) => {
  const sessionId = c.req.header(HEADER_SESSION);
  // 2026-07-28 has no GET stream; without a session there is nothing to listen to.
  if (!sessionId) return c.json(errorResponse(null, rpc.methodNotFound('GET')), 405, { allow: 'POST, DELETE' });
  if (!acceptsSse(c.req.raw)) return fail(new RpcError(ErrorCode.InvalidRequest, 'Not Acceptable: GET needs Accept: text/event-stream', 406));
  if (!SESSION_ID_RE.test(sessionId)) return toResponse(sessionNotFound());
  const principal = c.get('principal');
  return toResponse(await sessionOf(c.env, principal, sessionId).get(principal, c.req.header('last-event-id') ?? null));
});

mcpRoutes.delete('/', async (c) => {
  const sessionId = c.req.header(HEADER_SESSION);
  if (!sessionId) return c.json(errorResponse(null, rpc.methodNotFound('DELETE')), 405, { allow: 'POST, GET' });
  if (!SESSION_ID_RE.test(sessionId)) return toResponse(sessionNotFound());
  const principal = c.get('principal');
  const ended = await sessionOf(c.env, principal, sessionId).terminate(principal);
  return ended ? c.body(null, 200) : toResponse(sessionNotFound());
});
