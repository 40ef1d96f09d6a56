/**
 * The gateway: many providers seen as one MCP server (implements the dispatcher's Backend).
 *
 * Invariants:
 * - A Gateway is built for exactly one config version and never changes: a request that holds a
 *   Gateway is served entirely by that version (no half-applied reloads, seed issue magg#1).
 * - Lists fan out to providers in parallel, each bounded by its own timeout; a failing provider
 *   contributes nothing and is reported, never breaking the others.
 * - Names: tools/prompts `{prefix}{sep}{name}` (sep `_` or the config's `prefix_sep`); resources
 *   `edgehub://{server}/{uri}` (naming.ts).
 */

import { requiredScope } from '../auth/scopes';
import type { RequestContext } from '../mcp/context';
import type { Backend } from '../mcp/dispatch';
import { RpcError, rpc, toolError } from '../mcp/errors';
import { exposedUri, parseExposedUri, UI_SCHEME } from '../mcp/naming';
import { ErrorCode } from '../mcp/protocol';
import { log } from '../observability/log';
import { withHint } from './cache-hints';
import type { CallGuard } from './guard';
import { type Merged, type Mount, mergeCatalogs, sortedMounts, visibleTools } from './merged';
import { modernTools } from './modern-view';
import { paginate } from './paging';
import { type Catalog, EMPTY_CATALOG, type Json } from './provider';
import { exposePromptUris, exposeToolResultUris } from './result-uris';
import { adoptCreatedTask, forwardTaskRequest, startLocalTask } from './tasks';

export type { Mount } from './merged';

export interface GatewayObserver {
  /** Called once per failed list of a provider; the gateway itself never throws for it. */
  listFailed(server: string, error: unknown): void;
  listSucceeded(server: string): void;
}

const RETRY_PARTIAL_MS = 1000;

export class Gateway implements Backend {
  #merged: Promise<Merged> | null = null;
  #lastMerged: Merged | null = null;

  constructor(
    readonly configVersion: number,
    readonly mounts: ReadonlyMap<string, Mount>,
    private readonly observer: GatewayObserver,
    /** Between prefix and name: Magg's `prefix_sep` (validated by the config schema). */
    readonly sep = '_',
    /** Tool integrity and per-tool policy (policy/guard.ts); none = every listed tool is callable. */
    private readonly guard?: CallGuard,
  ) {}

  /** Drops the merged view (after an upstream list_changed); providers keep their own caches. */
  invalidate(): void {
    this.#merged = null;
  }

  async listTools(ctx: RequestContext, cursor?: string) {
    const m = await this.#merge();
    const visible = visibleTools(m, ctx, this.guard);
    const tools = ctx.lane === 'modern' ? modernTools(visible) : visible; // 2026 deleted Tool.execution
    return withHint(ctx, paginate('tools', tools, cursor, this.configVersion), m.hints.tools);
  }

  async listResources(ctx: RequestContext, cursor?: string) {
    const m = await this.#merge();
    return withHint(ctx, paginate('resources', m.resources, cursor, this.configVersion), m.hints.resources);
  }
  async listResourceTemplates(ctx: RequestContext, cursor?: string) {
    const m = await this.#merge();
    return withHint(ctx, paginate('resourceTemplates', m.templates, cursor, this.configVersion), m.hints.templates);
  }
  async listPrompts(ctx: RequestContext, cursor?: string) {
    const m = await this.#merge();
    return withHint(ctx, paginate('prompts', m.prompts, cursor, this.configVersion), m.hints.prompts);
  }

  async callTool(ctx: RequestContext, name: string, args: Json): Promise<Json> {
    let merged = await this.#merge();
    // A tool of a server whose list failed may exist: rebuild the partial view once before refusing.
    if (!merged.toolRoutes.has(name) && merged.failed.size > 0) {
      this.#merged = null;
      merged = await this.#merge();
    }
    // An MCP App's view calls its server's tools by their own names (apps.ts).
    const route = merged.toolRoutes.get(name) ?? merged.appRoutes.get(name);
    const quarantined = merged.quarantined.get(name);
    if (!route && quarantined) throw new RpcError(ErrorCode.ToolQuarantined, quarantined, 200, { tool: name, quarantined: true });
    // MCP server/tools §errors: an unknown tool is a protocol error, not an isError result.
    if (!route) throw new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${name}`, 200, { configVersion: this.configVersion });
    // Scopes (auth/scopes.ts): read-only tools need mcp:read, every other tool mcp:call.
    const scope = requiredScope('tools/call', route.annotations);
    if (!ctx.principal.scopes.includes(scope))
      throw new RpcError(ErrorCode.Forbidden, `insufficient_scope: calling ${name} needs the '${scope}' scope`, 403, { requiredScope: scope });
    // Every policy check (allow, rate, approval) sits here, on the one path every call takes.
    const instead = await this.guard?.admit(ctx, route.ref, args);
    if (instead) return instead;
    const local = startLocalTask(ctx, route.mount.provider, route.name, args); // edgehub's own tools as tasks
    if (local) return local;
    const t0 = Date.now();
    try {
      const result = exposeToolResultUris(await route.mount.provider.callTool(ctx, route.name, args), this.#linkExposer(route.mount));
      return adoptCreatedTask(ctx, route.mount.provider.name, result); // a task-augmented call's task id (tasks.ts)
    } catch (e) {
      if (e instanceof RpcError && e.code !== ErrorCode.UpstreamUnavailable) throw e;
      // Logged once here, where it is handled; surfaced to the caller as an isError result.
      log.warn('tool call failed', {
        requestId: ctx.requestId,
        tenant: ctx.principal.tenant,
        upstream: route.mount.provider.name,
        method: 'tools/call',
        tool: route.name,
        ms: Date.now() - t0,
        code: e instanceof RpcError ? e.code : 'internal',
        error: e,
      });
      return toolError(`${route.mount.provider.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The server (config name) that serves an exposed tool name, for views (profiles, tool search). */
  async toolServer(name: string): Promise<string | undefined> {
    const route = (await this.#merge()).toolRoutes.get(name);
    if (route) for (const [server, mount] of this.mounts) if (mount === route.mount) return server;
    return undefined;
  }

  async readResource(ctx: RequestContext, uri: string): Promise<Json> {
    const viewOwner = uri.startsWith(UI_SCHEME) ? (await this.#merge()).appViews.owner(uri) : undefined; // apps.ts
    const { mount, inner } = viewOwner ? { mount: viewOwner, inner: uri } : this.#resourceTarget(uri);
    if (!mount.provider.readResource) throw notFound(uri);
    const result = await mount.provider.readResource(ctx, inner);
    const contents = Array.isArray(result.contents) ? result.contents : [];
    return {
      ...result,
      contents: contents.map((c: Json) => {
        const u = String(c.uri ?? inner);
        return { ...c, uri: mount.uriScheme && u.startsWith(mount.uriScheme) ? u : exposedUri(mount.provider.name, mount.prefix, u) };
      }),
    };
  }

  async subscribe(ctx: RequestContext, uri: string) {
    const { mount, inner } = this.#resourceTarget(uri);
    if (!mount.provider.subscribe) throw rpc.invalidParams(`${mount.provider.name} does not support resource subscriptions`);
    await mount.provider.subscribe(ctx, inner);
  }
  async unsubscribe(ctx: RequestContext, uri: string) {
    const { mount, inner } = this.#resourceTarget(uri);
    await mount.provider.unsubscribe?.(ctx, inner);
  }

  async getPrompt(ctx: RequestContext, name: string, args: Record<string, string>): Promise<Json> {
    const route = (await this.#merge()).promptRoutes.get(name);
    if (!route?.mount.provider.getPrompt) throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`, 200, { configVersion: this.configVersion });
    return exposePromptUris(await route.mount.provider.getPrompt(ctx, route.name, args), this.#linkExposer(route.mount));
  }

  /** tasks/* (2025-11-25 tasks, 2026 tasks extension): routed to the server that owns the task (tasks.ts). */
  taskRequest(ctx: RequestContext, method: string, params: Json): Promise<Json> {
    return forwardTaskRequest(
      ctx,
      method,
      params,
      (server) => this.mounts.get(server)?.provider,
      (server) => {
        const mount = this.mounts.get(server);
        const expose = mount ? this.#linkExposer(mount) : null;
        return expose ? (r: Json) => exposeToolResultUris(r, expose) : null;
      },
    );
  }

  /** Resource links in a prefixed server's results name the exposed URI (result-uris.ts); null: unchanged. */
  #linkExposer(mount: Mount): ((uri: string) => string) | null {
    if (mount.prefix === '' || mount.uriScheme) return null;
    return (uri) => exposedUri(mount.provider.name, mount.prefix, uri);
  }

  async complete(ctx: RequestContext, params: Json): Promise<Json> {
    const ref = (params.ref ?? {}) as Json;
    let mount: Mount;
    let innerRef: Json;
    if (ref.type === 'ref/prompt') {
      const route = (await this.#merge()).promptRoutes.get(String(ref.name));
      if (!route) throw rpc.invalidParams(`Unknown prompt: ${String(ref.name)}`);
      mount = route.mount;
      innerRef = { ...ref, name: route.name };
    } else if (ref.type === 'ref/resource') {
      const t = this.#resourceTarget(String(ref.uri));
      mount = t.mount;
      innerRef = { ...ref, uri: t.inner };
    } else throw rpc.invalidParams('ref.type must be ref/prompt or ref/resource');
    if (!mount.provider.complete) return { completion: { values: [], hasMore: false } };
    return mount.provider.complete(ctx, { ...params, ref: innerRef });
  }

  /** Which mount serves a URI: namespaced URIs name their server; others go to the unprefixed mount. */
  #resourceTarget(uri: string): { mount: Mount; inner: string } {
    for (const mount of this.mounts.values()) if (mount.uriScheme && uri.startsWith(mount.uriScheme)) return { mount, inner: uri };
    const parsed = parseExposedUri(uri);
    if (parsed) {
      const mount = this.mounts.get(parsed.server);
      if (mount && mount.prefix !== '') return { mount, inner: parsed.uri };
    }
    for (const mount of this.mounts.values()) if (mount.prefix === '' && mount.provider.readResource) return { mount, inner: uri };
    throw notFound(uri);
  }

  #merge(): Promise<Merged> {
    const last = this.#lastMerged;
    if (last && last.failed.size > 0 && Date.now() - last.builtAt > RETRY_PARTIAL_MS) this.#merged = null;
    if (!this.#merged) {
      const p = this.#buildMerged().then((m) => (this.#lastMerged = m));
      this.#merged = p;
      // A failed build must not poison later requests.
      p.catch(() => {
        if (this.#merged === p) this.#merged = null;
      });
    }
    return this.#merged;
  }

  async #buildMerged(): Promise<Merged> {
    const entries = sortedMounts(this.mounts);
    const failed = new Set<string>();
    const catalogs = await Promise.all(entries.map(([server, mount]) => this.#catalogOf(server, mount, failed)));
    return mergeCatalogs(entries, catalogs, failed, this.sep, this.guard);
  }

  async #catalogOf(server: string, mount: Mount, failed: Set<string>): Promise<Catalog> {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`list timed out after ${mount.listTimeoutMs} ms`)), mount.listTimeoutMs);
    });
    try {
      // Shared by every request on this version: bounded by the list timeout, not one caller's signal.
      const catalog = await Promise.race([mount.provider.catalog(), timeout]);
      this.observer.listSucceeded(server);
      return catalog;
    } catch (e) {
      this.observer.listFailed(server, e);
      failed.add(server);
      return EMPTY_CATALOG;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

function notFound(uri: string): RpcError {
  return new RpcError(ErrorCode.ResourceNotFound, `Resource not found: ${uri}`, 200, { uri });
}
