/**
 * A profile's view of the tool list (config/profiles.ts): a Backend over the full gateway that
 * keeps only the profile's servers and included, non-excluded, non-hidden tools, renames aliased
 * ones and replaces overridden descriptions. Everything but tools is served as the gateway serves it.
 *
 * Invariants:
 * - Built from the list the gateway returns for the request's principal (all pages), so whatever
 *   filters the gateway applies to lists apply here too; the view only ever removes or renames.
 * - A call by a name this view does not show is refused exactly as the gateway refuses an unknown
 *   tool (-32602 "Unknown tool", with the config version), and a call by a shown name goes to the
 *   gateway's own `callTool` under the original name: the same scopes, breaker, audit and result.
 * - An alias that equals another visible tool's name shadows that tool (the alias wins).
 * - Magg's `proxy` tool is never in a profile: it reaches every tool of the gateway, around the view.
 */
import type { Profile } from '../config/profiles';
import { globMatcher } from '../config/profiles';
import type { RequestContext } from '../mcp/context';
import type { Backend } from '../mcp/dispatch';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import { Lru } from '../utils/lru';
import { paginate } from './paging';
import type { Json } from './provider';

/** A Backend that can say which server serves each tool it lists (Gateway, ProfileView). */
export interface ToolSource extends Backend {
  toolServer(name: string): Promise<string | undefined>;
}

type Args = Record<string, unknown>;

/** Every tool of `b`'s list for this request, all pages. */
export async function listAll(b: Backend, ctx: RequestContext): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await b.listTools(ctx, cursor);
    out.push(...((r.tools as Json[]) ?? []));
    cursor = typeof r.nextCursor === 'string' ? r.nextCursor : undefined;
    if (!cursor) break;
  }
  return out;
}

/** Cheap identity of a list: the same names in the same order are the same list for one version. */
export function fingerprint(tools: Json[]): string {
  let s = `${tools.length}`;
  for (const t of tools) s += `\n${t.name}`;
  return s;
}

export function unknownTool(name: string, configVersion: number): RpcError {
  return new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${name}`, 200, { configVersion });
}

interface Built {
  key: string;
  tools: Json[];
  /** Shown name → the gateway's name. */
  toInner: Map<string, string>;
}

/** A view over another Backend: everything but tools is served as the inner view serves it. */
export abstract class ToolsOnlyView {
  constructor(protected readonly inner: ToolSource) {}

  get configVersion(): number {
    return this.inner.configVersion;
  }

  listResources(ctx: RequestContext, cursor?: string) {
    return this.inner.listResources(ctx, cursor);
  }
  listResourceTemplates(ctx: RequestContext, cursor?: string) {
    return this.inner.listResourceTemplates(ctx, cursor);
  }
  readResource(ctx: RequestContext, uri: string) {
    return this.inner.readResource(ctx, uri);
  }
  subscribe(ctx: RequestContext, uri: string) {
    return this.inner.subscribe(ctx, uri);
  }
  unsubscribe(ctx: RequestContext, uri: string) {
    return this.inner.unsubscribe(ctx, uri);
  }
  listPrompts(ctx: RequestContext, cursor?: string) {
    return this.inner.listPrompts(ctx, cursor);
  }
  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>) {
    return this.inner.getPrompt(ctx, name, args);
  }
  complete(ctx: RequestContext, params: Args) {
    return this.inner.complete(ctx, params);
  }
}

/** Distinct inner lists a view keeps its result for (lists may differ per principal). */
const LISTS_KEPT = 8;

export class ProfileView extends ToolsOnlyView implements ToolSource {
  readonly #built = new Lru<string, Built>({ maxEntries: LISTS_KEPT });
  /** The last view built: names it shows → the gateway's (for toolServer, after a list). */
  #last: Built | null = null;

  constructor(
    inner: ToolSource,
    readonly profileName: string,
    private readonly profile: Profile,
  ) {
    super(inner);
  }

  async #view(ctx: RequestContext): Promise<Built> {
    const all = await listAll(this.inner, ctx);
    const key = fingerprint(all);
    const cached = this.#built.get(key);
    if (cached) return (this.#last = cached);
    const p = this.profile;
    const servers = p.servers ? new Set(p.servers) : null;
    const included = p.include?.length ? globMatcher(p.include) : () => true;
    const excluded = globMatcher(p.exclude ?? []);
    const overrides = p.tools ?? {};
    const kept: Json[] = [];
    for (const t of all) {
      const name = String(t.name);
      const o = overrides[name];
      if (o?.hidden || !included(name) || excluded(name)) continue;
      const server = await this.inner.toolServer(name);
      // Magg's `proxy` tool calls through the whole gateway, around this view: never in a profile.
      if (server?.startsWith('~') || (servers && !servers.has(serverName(server)))) continue;
      kept.push(t);
    }
    const aliases = new Set(kept.map((t) => overrides[String(t.name)]?.name).filter((n): n is string => !!n));
    const tools: Json[] = [];
    const toInner = new Map<string, string>();
    for (const t of kept) {
      const name = String(t.name);
      const o = overrides[name];
      const shown = o?.name ?? name;
      if (!o?.name && aliases.has(name)) continue; // shadowed by an alias
      toInner.set(shown, name);
      tools.push(o?.name || o?.description !== undefined ? { ...t, name: shown, ...(o.description !== undefined ? { description: o.description } : {}) } : t);
    }
    const built = { key, tools, toInner };
    this.#built.set(key, built);
    return (this.#last = built);
  }

  async listTools(ctx: RequestContext, cursor?: string) {
    return paginate('tools', (await this.#view(ctx)).tools, cursor, this.configVersion);
  }

  async callTool(ctx: RequestContext, name: string, args: Args) {
    const target = (await this.#view(ctx)).toInner.get(name);
    if (target === undefined) throw unknownTool(name, this.configVersion);
    return this.inner.callTool(target === name ? ctx : { ...ctx, params: { ...ctx.params, name: target } }, target, args);
  }

  async toolServer(name: string): Promise<string | undefined> {
    const target = this.#last?.toInner.get(name);
    return target === undefined ? undefined : this.inner.toolServer(target);
  }
}

/** edgehub's own mounts (`hub`, and `~proxy` for Magg's proxy tool) are the server `hub` to users. */
export function serverName(server: string | undefined): string {
  if (server === undefined) return '';
  return server.startsWith('~') ? 'hub' : server;
}
