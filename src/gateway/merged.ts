/**
 * The merged view of one Gateway version: every mount's catalog under exposed names, with the
 * routes back to each provider (gateway.ts serves requests from it).
 *
 * Invariants:
 * - Mounts merge in order: `first` mounts (the hub), then servers by name; the first exposed name
 *   wins (collisions are refused at mount time).
 * - Tool definitions are vetted by the CallGuard before they are routed: a quarantined tool has no
 *   route and is in no list; pins hash the upstream's own definition, not the rewritten one.
 * - A principal's tool list is filtered in one place (`visibleTools`), bounded per view.
 */
import type { RequestContext } from '../mcp/context';
import { exposedName, exposedUri } from '../mcp/naming';
import { AppRoutes, AppViews, withExposedViews } from './apps';
import { aggregateHints, type CacheHint, type HintKind } from './cache-hints';
import type { CallGuard, CatalogTool, ToolRef } from './guard';
import type { Catalog, Json, Provider } from './provider';

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

export interface Route {
  mount: Mount;
  name: string;
  annotations?: Json;
  ref: ToolRef;
}

export interface Merged {
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

const VISIBLE_LISTS_KEPT = 256;

/** Mounts in merge order: `first` ones (the hub), then by server name. */
export function sortedMounts(mounts: ReadonlyMap<string, Mount>): [string, Mount][] {
  return [...mounts.entries()].sort(([a, ma], [b, mb]) => Number(!!mb.first) - Number(!!ma.first) || a.localeCompare(b));
}

/** A server's URIs as exposed: namespaced unless the mount keeps its own scheme. */
export function exposer(server: string, mount: Mount): (uri: string) => string {
  return (uri) => (mount.uriScheme && uri.startsWith(mount.uriScheme) ? uri : exposedUri(server, mount.prefix, uri));
}

/** Builds the merged view from the mounts' catalogs (in `sortedMounts` order). */
export async function mergeCatalogs(entries: [string, Mount][], catalogs: Catalog[], failed: Set<string>, sep: string, guard?: CallGuard): Promise<Merged> {
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
      all.push({ server, name: t.name, exposed: exposedName(mount.prefix, t.name, sep), annotations: t.annotations, def: t, mount });
  });
  if (guard)
    merged.quarantined = await guard.vet(
      all.filter((t) => !t.mount.trusted),
      all,
    );
  for (const t of all) {
    // the hub, then sorted servers: first wins; collisions are refused at mount time
    if (merged.toolRoutes.has(t.exposed) || merged.quarantined.has(t.exposed)) continue;
    const ref: ToolRef = { server: t.server, name: t.name, exposed: t.exposed, annotations: t.annotations };
    merged.toolRoutes.set(t.exposed, { mount: t.mount, name: t.name, annotations: t.annotations, ref });
    merged.tools.push({ ...withExposedViews(t.def, exposer(t.server, t.mount)), name: t.exposed });
  }
  entries.forEach(([server, mount], i) => {
    const cat = catalogs[i];
    const expose = exposer(server, mount);
    merged.appRoutes.addServer(cat.tools, (t) => {
      const r = merged.toolRoutes.get(exposedName(mount.prefix, t.name, sep));
      return r?.mount === mount ? r : undefined;
    });
    for (const p of cat.prompts) {
      const name = exposedName(mount.prefix, p.name, sep);
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

/** The one place a principal's tool list is built: tools it may never call are left out. */
export function visibleTools(m: Merged, ctx: RequestContext, guard?: CallGuard): Json[] {
  if (!guard?.listsVary) return m.tools;
  const key = JSON.stringify(ctx.principal);
  let tools = m.visible.get(key);
  if (!tools) {
    tools = m.tools.filter((t) => {
      const route = m.toolRoutes.get(String(t.name));
      return !route || guard.visible(ctx, route.ref);
    });
    if (m.visible.size >= VISIBLE_LISTS_KEPT) m.visible.delete(m.visible.keys().next().value as string);
    m.visible.set(key, tools);
  }
  return tools;
}
