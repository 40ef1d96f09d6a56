/**
 * MCP Apps (`io.modelcontextprotocol/ui`) through the gateway.
 *
 * - A tool names its view in `_meta.ui.resourceUri` (and, deprecated, `_meta["ui/resourceUri"]`).
 *   Both are rewritten to the view's exposed URI (naming.ts: `ui://{server}/{rest}` for a prefixed
 *   server), so a host reads the view through edgehub and the read routes back to its server.
 * - A view calls its server's tools by the names it was built with (the server's own), not the
 *   exposed `{prefix}_{name}`. A name that is no exposed tool is therefore looked up among the tools
 *   of app servers (servers with at least one tool that has a view) whose `_meta.ui.visibility`
 *   allows the app (absent = model and app): exactly one such server owning the name gets the call;
 *   a name several app servers have stays unknown (the caller must use the exposed name).
 *   Reads of a server's own `ui://` URIs are routed the same way (AppViews).
 */
import type { ToolDef } from './provider';

type Meta = Record<string, unknown>;
const LEGACY_KEY = 'ui/resourceUri';

function uiOf(tool: ToolDef): Meta | undefined {
  const ui = tool._meta?.ui;
  return ui && typeof ui === 'object' && !Array.isArray(ui) ? (ui as Meta) : undefined;
}

/** True when the tool names a view (either key). */
export function hasView(tool: ToolDef): boolean {
  return typeof uiOf(tool)?.resourceUri === 'string' || typeof tool._meta?.[LEGACY_KEY] === 'string';
}

/** The tool with its view URIs rewritten; the same object when it names no view. */
export function withExposedViews(tool: ToolDef, expose: (uri: string) => string): ToolDef {
  if (!hasView(tool)) return tool;
  const meta: Meta = { ...tool._meta };
  const ui = uiOf(tool);
  if (ui && typeof ui.resourceUri === 'string') meta.ui = { ...ui, resourceUri: expose(ui.resourceUri) };
  if (typeof meta[LEGACY_KEY] === 'string') meta[LEGACY_KEY] = expose(meta[LEGACY_KEY] as string);
  return { ...tool, _meta: meta };
}

function appMayCall(tool: ToolDef): boolean {
  const visibility = uiOf(tool)?.visibility;
  return !Array.isArray(visibility) || visibility.includes('app');
}

/**
 * Original tool names of app servers → their route (null when several servers share the name).
 * Built once per merged view; the gateway consults it only for names it does not expose.
 */
export class AppRoutes<R> {
  #byName = new Map<string, R | null>();

  /** Adds one server's tools (ignored unless the server has a view). */
  addServer(tools: readonly ToolDef[], route: (tool: ToolDef) => R | undefined): void {
    if (!tools.some(hasView)) return;
    for (const t of tools) {
      if (!appMayCall(t)) continue;
      const r = route(t);
      if (r === undefined) continue;
      this.#byName.set(t.name, this.#byName.has(t.name) ? null : r);
    }
  }

  get(name: string): R | undefined {
    return this.#byName.get(name) ?? undefined;
  }
}

/**
 * A view may also read its server's resources by their own `ui://` URIs (`App.readServerResource`).
 * Exposed URIs always win; an original `ui://` URI that no exposed resource has is routed to the one
 * prefixed server that lists it (null when several do).
 */
export class AppViews<M> {
  #exposed = new Set<string>();
  #original = new Map<string, M | null>();

  add(originalUri: string, exposedUri: string, mount: M): void {
    if (!exposedUri.startsWith('ui://')) return;
    this.#exposed.add(exposedUri);
    if (originalUri === exposedUri) return;
    this.#original.set(originalUri, this.#original.has(originalUri) ? null : mount);
  }

  /** The mount owning an original `ui://` URI, when the URI is not an exposed one. */
  owner(uri: string): M | undefined {
    if (this.#exposed.has(uri)) return undefined;
    return this.#original.get(uri) ?? undefined;
  }
}
