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
import { exposedName, exposedUri, parseExposedUri, UI_SCHEME } from '../mcp/naming';
import { ErrorCode } from '../mcp/protocol';
import { log } from '../observability/log';
import { AppRoutes, AppViews, withExposedViews } from './apps';
import { aggregateHints, type CacheHint, type HintKind, withHint } from './cache-hints';
import type { CallGuard, CatalogTool, ToolRef } from './guard';
import { modernTools } from './modern-view';
import { paginate } from './paging';
import { type Catalog, EMPTY_CATALOG, type Json, type Provider } from './provider';
import { exposePromptUris, exposeToolResultUris } from './result-uris';
import { adoptCreatedTask, forwardTaskRequest, startLocalTask } from './tasks';

export interface Mount {
  provider: Provider;
  prefix: string;
  listTimeoutMs: number;
  /** URIs with this scheme (e.g. `hub://`) are this mount's, exposed unchanged. */
  uriScheme?: string;
  /** Merged before every other mount, so its names win any clash (edgehub's own hub tools). */
  first?: boolean;
  /** edgehub's own code (hub, built-in git): its tools are not pinned or screened. */
  trusted?: boolean;
}

export interface GatewayObserver {
  /** Called once per failed list of a provider; the gateway itself never throws for it. */
  listFailed(server: string, error: unknown): void;
  listSucceeded(server: string): void;
}

interface Route {
  mount: Mount;
  name: string;
  annotations?: Json;
  ref: ToolRef;
}

interface Merged {
  /** Servers whose list failed: the view is partial and is rebuilt after RETRY_PARTIAL_MS. */
  failed: Set<string>;
  builtAt: number;
  tools: Json[];
  resources: Json[];
  templates: Json[];
  prompts: Json[];
  toolRoutes: Map<string, Route>;
  promptRoutes: Map<string, Pick<Route, 'mount' | 'name'>>;
  /** Tools left out because their definition is not approved: exposed name → why (CallGuard.vet). */
  quarantined: Map<string, string>;
  /** Per-principal tool lists (CallGuard.visible), bounded. */
  visible: Map<string, Json[]>;
  /** 2026 cache hints per list: the most conservative of the contributing servers' (cache-hints.ts). */
  hints: Record<HintKind, CacheHint>;
  /** MCP Apps: app servers' own tool names, for calls made by their views (apps.ts). */
  appRoutes: AppRoutes<Route>;
  appViews: AppViews<Mount>;
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
    const visible = this.#visibleTools(m, ctx);
    const tools = ctx.lane === 'modern' ? modernTools(visible) : visible; // 2026 deleted Tool.execution
    return withHint(ctx, paginate('tools', tools, cursor, this.configVersion), m.hints.tools);
  }

  /** The one place a principal's tool list is built: tools it may never call are left out. */
  #visibleTools(m: Merged, ctx: RequestContext): Json[] {
    const guard = this.guard;
    if (!guard?.listsVary) return m.tools;
    const key = JSON.stringify(ctx.principal);
    let tools = m.visible.get(key);
    if (!tools) {
      tools = m.tools.filter((t) => {
        const route = m.toolRoutes.get(String(t.name));
        return !route || guard.visible(ctx, route.ref);
      });
      if (m.visible.size >= 256) m.visible.delete(m.visible.keys().next().value as string);
      m.visible.set(key, tools);
    }
    return tools;
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
    const entries = [...this.mounts.entries()].sort(([a, ma], [b, mb]) => Number(!!mb.first) - Number(!!ma.first) || a.localeCompare(b));
    const failed = new Set<string>();
    const catalogs = await Promise.all(entries.map(([server, mount]) => this.#catalogOf(server, mount, failed)));
    const merged: Merged = {
      failed,
      builtAt: Date.now(),
      tools: [],
      resources: [],
      templates: [],
      prompts: [],
      toolRoutes: new Map(),
      promptRoutes: new Map(),
      quarantined: new Map(),
      visible: new Map(),
      hints: aggregateHints(catalogs),
      appRoutes: new AppRoutes(),
      appViews: new AppViews(),
    };
    const all: (CatalogTool & { mount: Mount })[] = [];
    entries.forEach(([server, mount], i) => {
      for (const t of catalogs[i].tools)
        all.push({ server, name: t.name, exposed: exposedName(mount.prefix, t.name, this.sep), annotations: t.annotations, def: t, mount });
    });
    if (this.guard)
      merged.quarantined = await this.guard.vet(
        all.filter((t) => !t.mount.trusted),
        all,
      );
    for (const t of all) {
      // the hub, then sorted servers: first wins; collisions are refused at mount time
      if (merged.toolRoutes.has(t.exposed) || merged.quarantined.has(t.exposed)) continue;
      const ref: ToolRef = { server: t.server, name: t.name, exposed: t.exposed, annotations: t.annotations };
      merged.toolRoutes.set(t.exposed, { mount: t.mount, name: t.name, annotations: t.annotations, ref });
      merged.tools.push({ ...withExposedViews(t.def, this.#exposer(t.server, t.mount)), name: t.exposed });
    }
    entries.forEach(([server, mount], i) => {
      const cat = catalogs[i];
      const expose = this.#exposer(server, mount);
      merged.appRoutes.addServer(cat.tools, (t) => {
        const r = merged.toolRoutes.get(exposedName(mount.prefix, t.name, this.sep));
        return r?.mount === mount ? r : undefined;
      });
      for (const p of cat.prompts) {
        const name = exposedName(mount.prefix, p.name, this.sep);
        if (merged.promptRoutes.has(name)) continue;
        merged.promptRoutes.set(name, { mount, name: p.name });
        merged.prompts.push({ ...p, name });
      }
      for (const r of cat.resources) {
        merged.resources.push({ ...r, uri: expose(r.uri) });
        merged.appViews.add(r.uri, expose(r.uri), mount);
      }
      for (const t of cat.templates) merged.templates.push({ ...t, uriTemplate: expose(t.uriTemplate) });
    });
    return merged;
  }

  /** A server's URIs as exposed: namespaced unless the mount keeps its own scheme. */
  #exposer(server: string, mount: Mount): (uri: string) => string {
    return (uri) => (mount.uriScheme && uri.startsWith(mount.uriScheme) ? uri : exposedUri(server, mount.prefix, uri));
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
