/**
 * A 2026-07-28 (stateless) upstream, forwarded as a transparent proxy: each request is one POST
 * carrying the downstream client's own envelope (`_meta`: capabilities, log level, progress token)
 * and extra params (MRTR `inputResponses` / `requestState`), so `input_required` results, -32021
 * capability errors and progress pass through unchanged. No connection state, nothing to reuse
 * but the isolate's HTTP pool.
 */
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { encodeParamValue, nameSource } from '../mcp/param-header';
import { ErrorCode, META_CLIENT_CAPS, META_CLIENT_INFO, META_VERSION, MODERN_VERSIONS } from '../mcp/protocol';
import { SERVER_INFO } from '../mcp/server-info';
import { readSse } from '../mcp/sse-parse';
import type { Recorder } from '../observability/metrics';
import { traceMeta } from '../observability/trace';
import { type Breaker, BreakerOpenError } from './breaker';
import { type CacheHint, type HintKind, readHint, stricter } from './cache-hints';
import type { Catalog, Json, Provider } from './provider';

const VERSION = MODERN_VERSIONS[0];
const MAX_PAGES = 50;

export interface ModernOptions {
  name: string;
  breaker: Breaker;
  recorder?: Recorder;
  url: string;
  headers: Record<string, string>;
  callTimeoutMs: number;
  listTimeoutMs: number;
  fetch: typeof fetch;
}

export class ModernUpstream implements Provider {
  readonly name: string;
  #nextId = 1;
  #catalog: Promise<Catalog> | null = null;
  #caps: Json = {};

  constructor(private readonly opts: ModernOptions) {
    this.name = opts.name;
  }

  /** True when the upstream serves 2026-07-28 (server/discover lists it). Never throws. */
  async discover(signal?: AbortSignal): Promise<boolean> {
    try {
      const r = await this.send('server/discover', {}, null, this.opts.listTimeoutMs, signal);
      this.#caps = (r.capabilities as Json) ?? {};
      return Array.isArray(r.supportedVersions) && r.supportedVersions.includes(VERSION);
    } catch {
      return false;
    }
  }

  catalog(signal?: AbortSignal): Promise<Catalog> {
    if (!this.#catalog) {
      const p = this.#listAll(signal);
      this.#catalog = p;
      p.catch(() => {
        if (this.#catalog === p) this.#catalog = null;
      });
    }
    return this.#catalog;
  }

  invalidate(): void {
    this.#catalog = null;
  }

  callTool(ctx: RequestContext, name: string, args: Json) {
    return this.send('tools/call', { ...extra(ctx), name, arguments: args }, ctx, this.opts.callTimeoutMs);
  }
  readResource(ctx: RequestContext, uri: string) {
    return this.send('resources/read', { ...extra(ctx), uri }, ctx, this.opts.callTimeoutMs);
  }
  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>) {
    return this.send('prompts/get', { ...extra(ctx), name, arguments: args }, ctx, this.opts.callTimeoutMs);
  }
  complete(ctx: RequestContext, params: Json) {
    return this.send('completion/complete', params, ctx, this.opts.callTimeoutMs);
  }
  /** tasks/get|update|cancel (tasks extension), with the caller's envelope. */
  taskRequest(ctx: RequestContext, method: string, params: Json) {
    return this.send(method, params, ctx, this.opts.callTimeoutMs);
  }

  async #listAll(signal?: AbortSignal): Promise<Catalog> {
    const hints: Partial<Record<HintKind, CacheHint>> = {};
    const list = async (method: string, key: string, cap: string, kind: HintKind) => {
      if (!this.#caps[cap]) return [];
      const out: Json[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < MAX_PAGES; i++) {
        const page = await this.send(method, cursor ? { cursor } : {}, null, this.opts.listTimeoutMs, signal);
        out.push(...((page[key] as Json[]) ?? []));
        hints[kind] = stricter(hints[kind], readHint(page));
        cursor = page.nextCursor as string | undefined;
        if (!cursor) break;
      }
      return out;
    };
    if (!Object.keys(this.#caps).length) await this.discover(signal);
    const [tools, resources, templates, prompts] = await Promise.all([
      list('tools/list', 'tools', 'tools', 'tools'),
      list('resources/list', 'resources', 'resources', 'resources'),
      list('resources/templates/list', 'resourceTemplates', 'resources', 'templates'),
      list('prompts/list', 'prompts', 'prompts', 'prompts'),
    ]);
    return { tools, resources, templates, prompts, hints } as unknown as Catalog;
  }

  /** One stateless request through the breaker, with metrics. */
  async send(method: string, params: Json, ctx: RequestContext | null, timeoutMs: number, signal?: AbortSignal): Promise<Json> {
    const { breaker, recorder } = this.opts;
    const t0 = Date.now();
    let ok = false;
    const outage = (e: unknown) => e instanceof RpcError && e.code === ErrorCode.UpstreamUnavailable;
    try {
      const r = await breaker.run(() => this.#send(method, params, ctx, timeoutMs, signal), outage);
      ok = true;
      return r;
    } catch (e) {
      if (e instanceof BreakerOpenError) throw new RpcError(ErrorCode.UpstreamUnavailable, e.message, 200, { breaker: true, retryInMs: e.retryInMs });
      ok = !outage(e); // the upstream answered (with an error)
      throw e;
    } finally {
      recorder?.upstream(this.name, method, ok, Date.now() - t0);
      recorder?.breaker(this.name, breaker.state);
    }
  }

  async #send(method: string, params: Json, ctx: RequestContext | null, timeoutMs: number, signal?: AbortSignal): Promise<Json> {
    const meta: Json = ctx?.params?._meta
      ? { ...(ctx.params._meta as Json) }
      : { [META_VERSION]: VERSION, [META_CLIENT_CAPS]: {}, [META_CLIENT_INFO]: { name: SERVER_INFO.name, version: SERVER_INFO.version } };
    meta[META_VERSION] = VERSION;
    const id = this.#nextId++;
    const headers: Record<string, string> = {
      ...this.opts.headers,
      ...ctx?.forwardHeaders,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': VERSION,
      'mcp-method': method,
    };
    // SEP-2243: Mcp-Name mirrors the name/uri/taskId; values that are no plain header value (CR/LF,
    // non-ASCII) go base64-encoded, so no caller input can make building the request throw (which
    // would count as an outage and let any caller trip this upstream's breaker for the tenant).
    const name = nameSource(method, params)?.value;
    if (name !== undefined) headers['mcp-name'] = encodeParamValue(name);
    const signals = [AbortSignal.timeout(timeoutMs), ...(ctx ? [ctx.signal] : []), ...(signal ? [signal] : [])];
    let res: Response;
    try {
      res = await this.opts.fetch(this.opts.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: traceMeta(meta) } }),
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      // The caller went away (closed stream, cancellation): not the upstream's failure.
      if (ctx?.signal.aborted || signal?.aborted) throw new RpcError(ErrorCode.ServerError, 'request cancelled by the client');
      throw new RpcError(ErrorCode.UpstreamUnavailable, `upstream ${this.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const type = res.headers.get('content-type') ?? '';
    let final: Json | null = null;
    if (type.includes('text/event-stream') && res.body) {
      for await (const { data, event } of readSse(res.body)) {
        if (!data || (event !== undefined && event !== 'message')) continue;
        let m: Json;
        try {
          m = JSON.parse(data) as Json;
        } catch {
          continue;
        }
        if (m.id === id && ('result' in m || 'error' in m)) {
          final = m;
          break;
        }
        if (typeof m.method === 'string' && m.id === undefined) ctx?.notify(m.method, (m.params as Json) ?? {});
      }
    } else {
      try {
        final = (await res.json()) as Json;
      } catch {
        final = null;
      }
    }
    if (!final || res.status >= 500)
      throw new RpcError(ErrorCode.UpstreamUnavailable, `upstream ${this.name} answered HTTP ${res.status} without a usable JSON-RPC response`);
    if (final.error) {
      const err = final.error as { code: number; message: string; data?: unknown };
      throw new RpcError(err.code, err.message, res.status === 400 ? 400 : 200, err.data);
    }
    return (final.result as Json) ?? {};
  }
}

/** Params beyond the ones the gateway rewrites (MRTR's inputResponses/requestState, …). */
function extra(ctx: RequestContext): Json {
  const out: Json = { ...(ctx.params ?? {}) };
  for (const k of ['_meta', 'name', 'uri', 'arguments']) delete out[k];
  return out;
}
