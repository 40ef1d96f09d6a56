/**
 * W3C Trace Context (traceparent / tracestate) through the gateway.
 *
 * A request's trace comes from `_meta.traceparent` (MCP's per-message carrier, so each request of a
 * session has its own) or else the HTTP `traceparent` header; without either edgehub starts a trace.
 * edgehub is one span in it: `spanId` is its own, `parentId` the caller's. Upstreams receive
 * `traceparent: 00-{traceId}-{spanId}-{flags}` (HTTP header and `_meta`), so their spans hang under
 * edgehub's, and `tracestate` unchanged (W3C §3.3: a participant that adds nothing passes it on).
 *
 * The current trace rides in AsyncLocalStorage, so every log line written while serving a request
 * carries its trace id (log.ts) and every outbound fetch its headers (tracedFetch) without threading
 * a parameter through each layer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hex } from '../utils/bytes';

export interface Trace {
  traceId: string;
  /** edgehub's own span for this request. */
  spanId: string;
  /** The caller's span (absent when edgehub started the trace). */
  parentId?: string;
  flags: string;
  tracestate?: string;
  /** W3C Baggage, passed on unchanged like tracestate. */
  baggage?: string;
}

/** W3C Trace Context §3.2: version 00, 32-hex trace id, 16-hex parent id, 2-hex flags; ids not all zero. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE = 512;

export function parseTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } | null {
  if (typeof value !== 'string') return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return null;
  const [, version, traceId, parentId, flags, rest] = m;
  // Version ff is invalid; version 00 has nothing after the flags (§3.2.4: later versions may).
  if (version === 'ff' || (version === '00' && rest)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return null;
  return { traceId, parentId, flags };
}

function randomHex(bytes: number): string {
  const s = hex(crypto.getRandomValues(new Uint8Array(bytes)));
  return /^0+$/.test(s) ? randomHex(bytes) : s;
}

/** Only a tracestate that belongs to a valid traceparent is kept; oversized ones are dropped (§3.3.1.5). */
function cleanState(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TRACESTATE && /^[\x20-\x7e]*$/.test(v) ? v : undefined;
}

/**
 * The trace of one incoming request: `_meta` first, then the HTTP headers (either may be absent).
 */
export function startTrace(
  meta: Record<string, unknown> | undefined,
  headers?: { traceparent?: string | null; tracestate?: string | null; baggage?: string | null },
): Trace {
  const fromMeta = parseTraceparent(meta?.traceparent);
  const fromHeader = fromMeta ? null : parseTraceparent(headers?.traceparent);
  const parent = fromMeta ?? fromHeader;
  const spanId = randomHex(8);
  const baggage = cleanState(meta?.baggage) ?? cleanState(headers?.baggage);
  const extra = baggage ? { baggage } : {};
  if (!parent) return { traceId: randomHex(16), spanId, flags: '01', ...extra };
  const tracestate = cleanState(fromMeta ? meta?.tracestate : headers?.tracestate);
  return { traceId: parent.traceId, parentId: parent.parentId, spanId, flags: parent.flags, ...(tracestate ? { tracestate } : {}), ...extra };
}

/** What an upstream receives: edgehub's span as the parent. */
export function outgoing(trace: Trace): { traceparent: string; tracestate?: string; baggage?: string } {
  const out: { traceparent: string; tracestate?: string; baggage?: string } = { traceparent: `00-${trace.traceId}-${trace.spanId}-${trace.flags}` };
  if (trace.tracestate) out.tracestate = trace.tracestate;
  if (trace.baggage) out.baggage = trace.baggage;
  return out;
}

const scope = new AsyncLocalStorage<Trace>();

/** Runs `fn` with `trace` as the current trace (logs, outbound requests). */
export function withTrace<T>(trace: Trace, fn: () => T): T {
  return scope.run(trace, fn);
}

export function currentTrace(): Trace | undefined {
  return scope.getStore();
}

/** `_meta` for an upstream request: the caller's keys, with edgehub's trace context in place of theirs. */
export function traceMeta(meta?: Record<string, unknown>): Record<string, unknown> | undefined {
  const t = currentTrace();
  if (!t) return meta;
  const out: Record<string, unknown> = { ...meta, ...outgoing(t) };
  if (!t.tracestate) delete out.tracestate; // the caller's belongs to a traceparent we replaced
  return out;
}

/** Request params with the current trace context in `_meta` (the SDK merges its progressToken into it). */
export function withTraceMeta<P extends Record<string, unknown>>(params: P): P {
  const meta = traceMeta();
  return meta ? { ...params, _meta: meta } : params;
}

/**
 * A fetch that adds the current trace's headers (replacing any the caller set): every upstream
 * request made while serving a traced request carries edgehub's span as its parent.
 */
export function tracedFetch(inner: typeof fetch): typeof fetch {
  return (input, init) => {
    const t = currentTrace();
    if (!t) return inner(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const o = outgoing(t);
    headers.set('traceparent', o.traceparent);
    for (const k of ['tracestate', 'baggage'] as const) {
      const v = o[k];
      if (v) headers.set(k, v);
      else headers.delete(k);
    }
    return inner(input, { ...init, headers });
  };
}
