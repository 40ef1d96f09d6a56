/**
 * An upstream MCP server over Streamable HTTP or legacy SSE, as a Provider.
 *
 * Invariants:
 * - One SDK Client per upstream, connected lazily and reused for every list and call (seed issue
 *   magg#2: no connection per call). A closed/failed connection is rebuilt on the next use.
 * - The catalog is cached until the upstream says `list_changed` (then refreshed, and the sink is
 *   told so clients get their own list_changed).
 * - Server→client requests (sampling, elicitation, roots) are relayed to the downstream request
 *   that caused them: the call runs inside AsyncLocalStorage, whose context follows the SDK's
 *   stream reading into the handlers (upstream-relay.ts). Without one, they go to the session (sink).
 * - Upstream validation is not repeated here: results pass through unchanged (a no-op schema
 *   validator also keeps ajv's code generation, forbidden in Workers, out of the way).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode, type LogLevel } from '../mcp/protocol';
import { SERVER_VERSION } from '../mcp/server-info';
import type { Recorder } from '../observability/metrics';
import { withTraceMeta } from '../observability/trace';
import { type Breaker, BreakerOpenError, retryRead } from './breaker';
import type { Catalog, Json, Provider } from './provider';
import { withTaskParams } from './tasks';
import { listAll } from './upstream-lists';
import { type DownstreamSink, wireRelays } from './upstream-relay';

export type { DownstreamSink } from './upstream-relay';

export interface UpstreamOptions {
  name: string;
  /** Shared by every connection to this upstream in the runtime. */
  breaker: Breaker;
  recorder?: Recorder;
  url: string;
  kind: 'http' | 'sse';
  headers: Record<string, string>;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  listTimeoutMs: number;
  sink: DownstreamSink;
  fetch?: typeof fetch;
  /**
   * Another transport than HTTP (connector-served stdio servers). Its connection ending on its own
   * (the connector went away, the child exited) drops the catalog and tells the sink, so clients
   * see the server's tools leave and come back.
   */
  transport?: () => Transport;
}

export interface UpstreamStats {
  connects: number;
  calls: number;
  failures: number;
}

const LooseResult = z.looseObject({});

const passThroughValidator = { getValidator: () => (input: unknown) => ({ valid: true as const, data: input as never, errorMessage: undefined }) };

export class UpstreamProvider implements Provider {
  readonly name: string;
  readonly stats: UpstreamStats = { connects: 0, calls: 0, failures: 0 };
  #client: Promise<Client> | null = null;
  #catalog: Promise<Catalog> | null = null;
  #related = new AsyncLocalStorage<RequestContext>();
  #logLevel: LogLevel | undefined;
  #inflight = 0;
  #drained: (() => void) | null = null;

  constructor(private readonly opts: UpstreamOptions) {
    this.name = opts.name;
  }

  catalog(signal?: AbortSignal): Promise<Catalog> {
    if (!this.#catalog) {
      const p = retryRead(
        () => this.#guard('list', signal, (c) => listAll(c, { signal, timeout: this.opts.listTimeoutMs })),
        (e) => e instanceof RpcError && e.code === ErrorCode.UpstreamUnavailable && !(e.data as { breaker?: boolean } | undefined)?.breaker,
      );
      this.#catalog = p;
      p.catch(() => {
        if (this.#catalog === p) this.#catalog = null;
      });
    }
    return this.#catalog;
  }

  /** Drops the cached catalog: the next list asks the upstream (reload, a trust change). */
  invalidate(): void {
    this.#catalog = null;
  }

  callTool(ctx: RequestContext, name: string, args: Json): Promise<Json> {
    this.stats.calls++;
    const onprogress =
      ctx.progressToken === undefined ? undefined : (p: Json) => ctx.notify('notifications/progress', { ...p, progressToken: ctx.progressToken });
    return this.#guard('tools/call', ctx.signal, (client) =>
      this.#related.run(ctx, () =>
        // A proxy does not re-validate results (the client does): a loose schema keeps the hot path lean.
        client.request({ method: 'tools/call', params: withTraceMeta(withTaskParams(ctx, { name, arguments: args })) }, LooseResult, {
          signal: ctx.signal,
          timeout: this.opts.callTimeoutMs,
          resetTimeoutOnProgress: true,
          onprogress,
        }),
      ),
    );
  }

  readResource(ctx: RequestContext, uri: string): Promise<Json> {
    return retryRead(
      () =>
        this.#guard('resources/read', ctx.signal, (c) => c.request({ method: 'resources/read', params: withTraceMeta({ uri }) }, LooseResult, this.#opts(ctx))),
      (e) => e instanceof RpcError && e.code === ErrorCode.UpstreamUnavailable && !(e.data as { breaker?: boolean } | undefined)?.breaker,
    );
  }

  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>): Promise<Json> {
    return this.#guard('prompts/get', ctx.signal, (c) =>
      c.request({ method: 'prompts/get', params: withTraceMeta({ name, arguments: args }) }, LooseResult, this.#opts(ctx)),
    );
  }

  complete(ctx: RequestContext, params: Json): Promise<Json> {
    return this.#guard('completion/complete', ctx.signal, async (c) =>
      c.getServerCapabilities()?.completions ? c.complete(params as never, this.#opts(ctx)) : { completion: { values: [], hasMore: false } },
    );
  }

  async subscribe(ctx: RequestContext, uri: string): Promise<void> {
    await this.#guard('resources/subscribe', ctx.signal, async (c) => {
      if (!c.getServerCapabilities()?.resources?.subscribe) throw new RpcError(ErrorCode.InvalidParams, `${this.name} does not support resource subscriptions`);
      return c.subscribeResource({ uri }, this.#opts(ctx));
    });
  }

  async unsubscribe(ctx: RequestContext, uri: string): Promise<void> {
    await this.#guard('resources/unsubscribe', ctx.signal, async (c) =>
      c.getServerCapabilities()?.resources?.subscribe ? c.unsubscribeResource({ uri }, this.#opts(ctx)) : {},
    );
  }

  /** tasks/* (MCP 2025-11-25): server→client requests a task makes go to the request that waits on it. */
  taskRequest(ctx: RequestContext, method: string, params: Json): Promise<Json> {
    return this.#guard(method, ctx.signal, (c) =>
      this.#related.run(ctx, () => c.request({ method, params: withTraceMeta(params) } as never, LooseResult, this.#opts(ctx))),
    );
  }

  #opts(ctx: RequestContext) {
    return { signal: ctx.signal, timeout: this.opts.callTimeoutMs };
  }

  /** Fans `logging/setLevel` out to this upstream (if it logs). */
  async setLogLevel(level: LogLevel): Promise<void> {
    this.#logLevel = level;
    if (!this.#client) return; // applied on connect
    const client = await this.#client$();
    if (client.getServerCapabilities()?.logging) await client.setLoggingLevel(level);
  }

  async rootsChanged(): Promise<void> {
    if (this.#client) await (await this.#client$()).sendRootsListChanged();
  }

  /**
   * Closes the connection once in-flight requests finished (a config change must never cut a call
   * that an older version started).
   */
  async close(): Promise<void> {
    if (this.#inflight > 0) await new Promise<void>((r) => (this.#drained = r));
    const c = this.#client;
    this.#client = null;
    this.#catalog = null;
    if (c) await c.then((client) => client.close()).catch(() => {});
  }

  /**
   * Runs one upstream request: breaker admission, in-flight accounting (for graceful close),
   * metrics, and error mapping. The upstream's protocol errors keep their code and count as
   * answers; availability failures become -32010, trip the breaker and drop the connection. A
   * request the client cancelled (`signal`) is neither: the SDK reports it as a timeout, and
   * dropping the connection would restart a connector's child process and lose its state.
   */
  async #guard<T>(method: string, signal: AbortSignal | undefined, op: (client: Client) => Promise<T>): Promise<T> {
    const { breaker, recorder } = this.opts;
    const t0 = Date.now();
    let ok = false;
    this.#inflight++;
    try {
      breaker.admit();
      const r = await op(await this.#client$());
      ok = true;
      breaker.success();
      return r;
    } catch (e) {
      if (e instanceof BreakerOpenError) throw new RpcError(ErrorCode.UpstreamUnavailable, e.message, 200, { breaker: true, retryInMs: e.retryInMs });
      if (signal?.aborted) {
        ok = true;
        throw new RpcError(ErrorCode.InternalError, `request to ${this.name} cancelled: ${String(signal.reason)}`);
      }
      if (e instanceof McpError && e.code !== -32001) {
        ok = true; // an answer, not an outage
        breaker.success();
        throw new RpcError(e.code, e.message.replace(/^MCP error -?\d+: /, ''), 200, e.data);
      }
      if (e instanceof RpcError && e.code !== ErrorCode.UpstreamUnavailable) throw e;
      this.stats.failures++;
      const message = e instanceof RpcError ? e.message : `upstream ${this.name} failed${httpStatus(e)}: ${e instanceof Error ? e.message : String(e)}`;
      breaker.failure(message);
      this.#reset();
      throw e instanceof RpcError ? e : new RpcError(ErrorCode.UpstreamUnavailable, message);
    } finally {
      recorder?.upstream(this.name, method, ok, Date.now() - t0);
      recorder?.breaker(this.name, breaker.state);
      if (--this.#inflight === 0 && this.#drained) {
        this.#drained();
        this.#drained = null;
      }
    }
  }

  /** Drops a failed connection; the next request reconnects (e.g. to a restarted upstream). */
  #reset(): void {
    const c = this.#client;
    this.#client = null;
    this.#catalog = null;
    if (c) void c.then((client) => client.close()).catch(() => {});
  }

  #client$(): Promise<Client> {
    if (!this.#client) {
      const p = this.#connect();
      this.#client = p;
      p.catch(() => {
        if (this.#client === p) this.#client = null;
      });
    }
    return this.#client;
  }

  async #connect(): Promise<Client> {
    const o = this.opts;
    const caps = o.sink.clientCapabilities();
    const capabilities: Json = {};
    for (const k of ['sampling', 'elicitation', 'roots'] as const) if (caps[k]) capabilities[k] = caps[k];
    const client = new Client({ name: 'edgehub', version: SERVER_VERSION }, { capabilities, jsonSchemaValidator: passThroughValidator });
    wireRelays(client, capabilities, {
      name: this.opts.name,
      sink: this.opts.sink,
      related: this.#related,
      onListChanged: () => {
        this.#catalog = null;
      },
    });
    const requestInit = { headers: o.headers };
    const transport = o.transport
      ? o.transport()
      : o.kind === 'sse'
        ? new SSEClientTransport(new URL(o.url), { requestInit, fetch: o.fetch })
        : new StreamableHTTPClientTransport(new URL(o.url), { requestInit, fetch: o.fetch });
    this.stats.connects++;
    try {
      await client.connect(transport, { timeout: o.connectTimeoutMs });
    } catch (e) {
      await client.close().catch(() => {});
      throw new RpcError(ErrorCode.UpstreamUnavailable, `cannot connect to upstream ${o.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const current = this.#client;
    client.onclose = () => {
      // close()/#reset() clear #client first: only a connection that ended by itself gets here.
      if (!this.#client || this.#client !== current) return;
      this.#client = null;
      if (o.transport) {
        this.#catalog = null;
        o.sink.catalogChanged(o.name, ['tools', 'resources', 'prompts']);
      }
    };
    if (this.#logLevel && client.getServerCapabilities()?.logging) await client.setLoggingLevel(this.#logLevel).catch(() => {});
    return client;
  }
}

/** ` (HTTP 503)` when the SDK's transport error carries the upstream's HTTP status, else ''. */
function httpStatus(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 400 && code < 600 ? ` (HTTP ${code})` : '';
}
