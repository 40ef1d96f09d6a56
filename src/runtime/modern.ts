/**
 * The stateless 2026-07-28 lane: every request is self-contained (envelope in `_meta`), served in
 * the Worker isolate against the tenant's newest config snapshot (runtime/isolate-runtimes.ts keeps
 * one bounded runtime per tenant and isolate). `subscriptions/listen` streams live in the
 * tenant's ConfigDO so that changes seen anywhere reach them.
 *
 * Server→client requests cannot be relayed on this lane (no session to route the answer back):
 * a tool that needs sampling/elicitation/roots through a 2025 upstream gets an `isError` result
 * that names the legacy lane.
 */

import type { Principal } from '../auth/principal';
import type { ConfigSnapshot } from '../config/schema';
import { DEFAULT_HINT, readHint } from '../gateway/cache-hints';
import type { Gateway } from '../gateway/gateway';
import type { RequestContext } from '../mcp/context';
import { dispatch, GATEWAY_METHODS } from '../mcp/dispatch';
import { checkEnvelope, type Envelope } from '../mcp/envelope';
import { errorResponse, RpcError, rpc, toRpcError } from '../mcp/errors';
import { Exchange } from '../mcp/exchange';
import { ALL_VERSIONS, ErrorCode, isRequest, type JsonRpcMessage, META_SERVER_INFO } from '../mcp/protocol';
import { SERVER_CAPABILITIES, SERVER_INFO } from '../mcp/server-info';
import { StatelessTaskIds, TASKS_EXTENSION } from '../mcp/task-map';
import { log } from '../observability/log';
import { startTrace, withTrace } from '../observability/trace';
import { configStub } from '../utils/do-stubs';
import { codeExecutor } from './code-executor';
import { FRESH_MS } from './gateway-runtime';
import { runtimeFor } from './isolate-runtimes';
import { selectView, type ViewRequest, viewOf } from './views';

export const MODERN_ONLY_METHODS = new Set(['server/discover', 'subscriptions/listen']);
const CACHED_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);
const LANE_METHODS = new Set([...GATEWAY_METHODS, ...MODERN_ONLY_METHODS]);
for (const m of ['tasks/get', 'tasks/update', 'tasks/cancel']) LANE_METHODS.add(m); // the tasks extension (gateway/tasks.ts)
LANE_METHODS.delete('resources/subscribe');
LANE_METHODS.delete('resources/unsubscribe');

/** What the lane advertises: no `logging/setLevel`, no resource subscribe (listen filters instead). */
const MODERN_CAPABILITIES = { ...SERVER_CAPABILITIES, resources: { listChanged: true }, extensions: { [TASKS_EXTENSION]: {} } };

/**
 * This gateway routed by name and did not know it (not an upstream's own "unknown tool", which
 * names no config version): a change may have landed since the snapshot.
 */
function unknownName(e: unknown, gateway: { configVersion: number }): boolean {
  return (
    e instanceof RpcError &&
    e.code === ErrorCode.InvalidParams &&
    /^Unknown (tool|prompt): /.test(e.message) &&
    (e.data as { configVersion?: unknown } | undefined)?.configVersion === gateway.configVersion
  );
}

function reply(id: string | number | null, err: RpcError): Response {
  return new Response(JSON.stringify(errorResponse(id, err)), { status: err.httpStatus, headers: { 'content-type': 'application/json' } });
}

export async function handleModern(
  env: Env,
  req: Request,
  message: JsonRpcMessage,
  principal: Principal,
  waitUntil: (p: Promise<unknown>) => void,
  requestId?: string,
  viewRequest: ViewRequest = {},
): Promise<Response> {
  if (!isRequest(message)) return new Response(null, { status: 202 }); // notifications/cancelled etc.: nothing to route to
  const id = message.id;
  let envelope: Envelope;
  try {
    envelope = checkEnvelope(message, req.headers);
  } catch (e) {
    return reply(id, toRpcError(e));
  }
  // MCP 2026-07-28: an unknown or removed method is 404 / -32601.
  if (!LANE_METHODS.has(message.method)) return reply(id, rpc.methodNotFound(message.method, 404));
  const params = (message.params ?? {}) as Record<string, unknown>;
  const serverMeta = { [META_SERVER_INFO]: { name: SERVER_INFO.name, version: SERVER_INFO.version } };

  if (message.method === 'server/discover')
    return Response.json({
      jsonrpc: '2.0',
      id,
      result: { supportedVersions: [...ALL_VERSIONS], capabilities: MODERN_CAPABILITIES, resultType: 'complete', ...DEFAULT_HINT, _meta: serverMeta },
    });
  if (message.method === 'subscriptions/listen') {
    const filter = params.notifications;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      return reply(id, rpc.invalidParams("'notifications' is required and must be a valid SubscriptionFilter"));
    return configStub(env, principal.tenant).listen(id, filter as Record<string, unknown>, principal.sub);
  }

  const ac = new AbortController();
  req.signal?.addEventListener('abort', () => ac.abort(new Error('client closed the request')), { once: true });
  const exchange = new Exchange({ acceptsSse: (req.headers.get('accept') ?? '').includes('text/event-stream') });
  const ctx: RequestContext = {
    lane: 'modern',
    requestId,
    principal,
    protocolVersion: envelope.protocolVersion,
    clientCapabilities: envelope.clientCapabilities,
    signal: ac.signal,
    progressToken: (params._meta as Record<string, unknown>).progressToken as string | number | undefined,
    params,
    forwardHeaders: paramHeaders(req.headers),
    tasks: new StatelessTaskIds(`${principal.tenant}:${principal.sub}`),
    logLevel: envelope.logLevel,
    notify: (method, p) => {
      exchange.send({ jsonrpc: '2.0', method, params: p });
    },
    request: (method) =>
      Promise.reject(
        new RpcError(
          ErrorCode.InvalidRequest,
          `this tool needs the client to answer ${method}, which the stateless 2026-07-28 lane cannot relay from this upstream; connect with a 2025-11-25 session (initialize) instead`,
        ),
      ),
  };
  let httpStatus = 200;
  const trace = startTrace(ctx.params?._meta as Record<string, unknown>, {
    traceparent: req.headers.get('traceparent'),
    tracestate: req.headers.get('tracestate'),
    baggage: req.headers.get('baggage'),
  });
  const work = withTrace(trace, async (): Promise<JsonRpcMessage> => {
    try {
      const { rt, recorder } = runtimeFor(env, principal.tenant, waitUntil);
      // No pushes reach an isolate: lists check a snapshot older than FRESH_MS first (right after
      // list_changed a client lists); calls are served at once and revalidate in the background.
      const fresh = CACHED_METHODS.has(message.method) && message.method !== 'resources/read';
      const revalidate = (p: Promise<unknown>) => waitUntil(p.catch(() => {}));
      const gateway = await rt.gateway(fresh ? { maxAgeMs: FRESH_MS } : { revalidate });
      // The view (profile, mode) of this request, on the same config version as the gateway.
      const view = (g: Gateway) => {
        const cfg = (rt.snapshot as ConfigSnapshot).config;
        return viewOf(g, cfg, selectView(cfg, viewRequest, principal), codeExecutor(env));
      };
      const flushed = () => {
        const f = recorder.maybeFlush();
        if (f) waitUntil(f);
      };
      const result = await dispatch(view(gateway), ctx, message.method, params)
        .catch(async (e) => {
          // Retried once on the newer version: an unknown name never reached an upstream.
          if (unknownName(e, gateway) && (await rt.recheck())) return dispatch(view(await rt.gateway()), ctx, message.method, params);
          throw e;
        })
        .finally(flushed);
      const meta = { ...(result._meta as Record<string, unknown>), ...serverMeta };
      // Lists carry the gateway's aggregated hint; reads the upstream's own (validated) or edgehub's.
      const hints = CACHED_METHODS.has(message.method) ? (readHint(result) ?? DEFAULT_HINT) : {};
      return { jsonrpc: '2.0', id, result: { ...result, resultType: result.resultType ?? 'complete', ...hints, _meta: meta } };
    } catch (e) {
      const err = toRpcError(e);
      if (err.code === ErrorCode.InternalError)
        log.error('request failed', { requestId, lane: 'modern', tenant: principal.tenant, method: message.method, error: e });
      httpStatus = err.httpStatus;
      return errorResponse(id, err);
    }
  });
  return exchange.respond(
    work,
    () => ac.abort(new Error('client closed the stream')),
    () => httpStatus,
  );
}

/** MCP 2026-07-28 (SEP-2243): unknown `Mcp-Param-*` headers are forwarded unchanged. */
function paramHeaders(headers: Headers): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  headers.forEach((v, k) => {
    if (k.startsWith('mcp-param-')) (out ??= {})[k] = v;
  });
  return out;
}
