/**
 * The hub's own MCP server: edgehub's meta tools (`hub_*`) and resources (`hub://…`), mounted
 * like any other provider under the hub prefix: the config's `self_prefix` (Magg's `magg` gives
 * `magg_status` and `magg://servers/all`). Each tool is a thin adapter over HubServices
 * (the tenant's ConfigDO and this runtime); mutations need the `admin` scope.
 */

import type { ConfigApi } from '../config/api';
import { readerView, redactUrlsIn } from '../config/reader-view';
import { keyed, kitMap } from '../config/schema';
import type { ChangeResult } from '../config/service';
import type { Catalog, Json, Provider } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import type { Backend } from '../mcp/dispatch';
import { rpc, toolError } from '../mcp/errors';
import type { TrustApi } from '../policy/api';
import { addServerEntry } from './add-server-args';
import { HUB_TOOLS, PROXY_TOOL } from './definitions';
import { isProfileTool, PROFILE_MUTATIONS, runProfileTool } from './profile-tools';
import { runProxy } from './proxy';
import type { HubStatus } from './status';
import { runTrustTool } from './trust-tools';

export type { HubStatus, ServerStatus } from './status';

export interface HubServices {
  status(): Promise<HubStatus>;
  config(): ConfigApi;
  /** Re-reads the config and drops every upstream catalog cache. */
  reload(): Promise<{ version: number }>;
  /** A change made here was committed as `version`: serve it from the next request on. */
  committed(version: number): Promise<unknown>;
  /** Session-local: reconnect these servers / leave them out until the next config version. */
  reconnect(names: string[]): void;
  exclude(names: string[]): void;
  gateway(): Backend;
  /** Pinned tool definitions and their review (hub/trust-tools.ts). */
  trust?(): TrustApi;
  /** The mounted provider of a server (hub_connect), if mounted. */
  mount?(name: string): Provider | undefined;
}

const MUTATING = new Set([
  'add_server',
  'remove_server',
  'enable_server',
  'disable_server',
  'load_kit',
  'unload_kit',
  'check',
  'reload_config',
  ...PROFILE_MUTATIONS,
]);
const resources = (scheme: string) => [
  { uri: `${scheme}servers/all`, name: 'servers', description: 'All configured servers (secrets redacted) with state', mimeType: 'application/json' },
  { uri: `${scheme}kits/all`, name: 'kits', description: 'All kits and whether each is loaded', mimeType: 'application/json' },
];
const templates = (scheme: string) => [
  { uriTemplate: `${scheme}server/{name}`, name: 'server', description: 'One configured server', mimeType: 'application/json' },
];

/** How the hub's names are exposed: `{prefix}{sep}{tool}` and `{prefix}://…`. */
export interface HubNames {
  prefix: string;
  sep: string;
}

/** JSON text plus structuredContent; MCP requires the latter to be an object, so a list goes under `key`. */
const text = (v: unknown, key = 'items') => ({
  content: [{ type: 'text', text: JSON.stringify(v, null, 2) }],
  structuredContent: (Array.isArray(v) ? { [key]: v } : v) as Json,
});

async function change(s: HubServices, r: ChangeResult, what: string): Promise<Json> {
  if (r.ok) await s.committed(r.version).catch(() => {});
  const message = r.ok ? `${what} (config version ${r.version})` : `${what} failed: ${r.error}`;
  return { content: [{ type: 'text', text: message }], structuredContent: { ok: r.ok, version: r.version, message }, ...(r.ok ? {} : { isError: true }) };
}

export class HubProvider implements Provider {
  constructor(
    readonly name: string,
    private readonly services: HubServices,
    private readonly withProxy = true,
    private readonly names: HubNames = { prefix: 'hub', sep: '_' },
  ) {}

  get #scheme(): string {
    return `${this.names.prefix}://`;
  }

  async catalog(): Promise<Catalog> {
    const scheme = this.#scheme;
    return { tools: this.withProxy ? [...HUB_TOOLS, PROXY_TOOL] : HUB_TOOLS, resources: resources(scheme), templates: templates(scheme), prompts: [] };
  }

  async callTool(ctx: RequestContext, tool: string, args: Json): Promise<Json> {
    if (MUTATING.has(tool) && !ctx.principal.scopes.includes('admin')) return toolError(`${this.names.prefix}${this.names.sep}${tool} needs the 'admin' scope`);
    const s = this.services;
    const actor = { sub: ctx.principal.sub };
    const str = (k: string) => (typeof args[k] === 'string' ? (args[k] as string) : '');
    switch (tool) {
      case 'status': {
        const st = await s.status();
        return text(ctx.principal.scopes.includes('admin') ? st : JSON.parse(redactUrlsIn(JSON.stringify(st))));
      }
      case 'list_servers':
        return text(await this.#servers(ctx), 'servers');
      case 'add_server': {
        const { name, enable, ...rest } = args;
        if (typeof name !== 'string' || !name) return toolError('name is required');
        const entry = addServerEntry(rest);
        if (!entry.ok) return toolError(entry.error);
        return change(s, await s.config().addServer(actor, name, { ...entry.entry, enabled: enable !== false }), `Server '${name}' added`);
      }
      case 'remove_server':
        return change(s, await s.config().removeServer(actor, str('name')), `Server '${str('name')}' removed`);
      case 'enable_server':
        return change(s, await s.config().setEnabled(actor, str('name'), true), `Server '${str('name')}' enabled`);
      case 'disable_server':
        return change(s, await s.config().setEnabled(actor, str('name'), false), `Server '${str('name')}' disabled`);
      case 'check':
        return this.#check(ctx, String(args.action ?? 'report'), typeof args.timeout === 'number' ? args.timeout : 2.5);
      case 'reload_config':
        return text({ reloaded: true, ...(await s.reload()) });
      case 'list_kits':
        return text(await this.#kits(ctx), 'kits');
      case 'load_kit':
        return change(s, await s.config().loadKit(actor, str('name')), `Kit '${str('name')}' loaded`);
      case 'unload_kit':
        return change(s, await s.config().unloadKit(actor, str('name')), `Kit '${str('name')}' unloaded`);
      case 'kit_info': {
        const kit = (await this.#kits(ctx)).find((k) => k.name === str('name'));
        return kit ? text(kit) : toolError(`kit '${str('name')}' does not exist`);
      }
      case 'tool_changes':
      case 'review_tools':
        return runTrustTool(tool, ctx, args, s.trust && (() => s.trust!()), (v) => s.committed(v));
      case 'connect': {
        const p = s.mount?.(str('server'));
        if (!p) return toolError(`server '${str('server')}' is not mounted (hub_list_servers shows them)`);
        return p.signIn ? p.signIn(ctx) : toolError(`server '${str('server')}' does not use OAuth sign-in (transport.auth "oauth")`);
      }
      case 'proxy':
        return runProxy(s.gateway(), ctx, args, this.names.sep);
      default:
        if (isProfileTool(tool)) return runProfileTool(s.config(), ctx, tool, args, (r, what) => change(s, r, what));
        throw rpc.invalidParams(`Unknown tool: ${tool}`);
    }
  }

  async readResource(ctx: RequestContext, uri: string): Promise<Json> {
    let value: unknown;
    const scheme = this.#scheme;
    if (uri === `${scheme}servers/all`) value = await this.#servers(ctx);
    else if (uri === `${scheme}kits/all`) value = await this.#kits(ctx);
    else if (uri.startsWith(`${scheme}server/`)) {
      const name = decodeURIComponent(uri.slice(`${scheme}server/`.length));
      value = (await this.#servers(ctx)).find((x) => x.name === name);
    }
    if (value === undefined) throw rpc.invalidParams(`Resource not found: ${uri}`);
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
  }

  /** Server entries with their state; without the admin scope as config/reader-view.ts shows them. */
  async #servers(ctx: RequestContext) {
    const [{ config }, status] = await Promise.all([this.services.config().redacted(), this.services.status()]);
    const admin = ctx.principal.scopes.includes('admin');
    return Object.entries(config.servers).map(([name, entry]) => {
      const state = status.servers.find((x) => x.name === name);
      if (admin) return { ...keyed(name, entry), status: state };
      return { ...keyed(name, readerView(entry)), status: state && JSON.parse(redactUrlsIn(JSON.stringify(state))) };
    });
  }

  /** Kits with whether each is loaded; their server entries as reader-view.ts shows them to a non-admin. */
  async #kits(ctx: RequestContext) {
    const { config } = await this.services.config().redacted();
    const admin = ctx.principal.scopes.includes('admin');
    return Object.entries(kitMap(config)).map(([name, k]) => ({
      ...keyed(name, k),
      ...(k.servers && !admin ? { servers: Object.fromEntries(Object.entries(k.servers).map(([n, s]) => [n, readerView(s)])) } : {}),
      loaded: Object.values(config.servers).some((x) => x.kits?.includes(name)),
    }));
  }

  async #check(ctx: RequestContext, action: string, timeoutSec: number): Promise<Json> {
    if (!['report', 'remount', 'unmount', 'disable'].includes(action)) return toolError('action must be report, remount, unmount or disable');
    const { config } = await this.services.config().redacted();
    const enabled = Object.keys(config.servers).filter((n) => config.servers[n].enabled !== false);
    const results = await this.services.config().check(enabled, Math.max(100, Math.round(timeoutSec * 1000)));
    const failing = Object.entries(results)
      .filter(([, r]) => !r.ok)
      .map(([n]) => n);
    if (action === 'remount') this.services.reconnect(failing);
    if (action === 'unmount') this.services.exclude(failing);
    if (action === 'disable') for (const n of failing) await this.services.config().setEnabled({ sub: ctx.principal.sub }, n, false, false);
    return text({ action, results, failing });
  }
}
