/**
 * A Provider is one mounted server as the gateway sees it: the built-in hub and git servers and
 * every upstream client implement it. Names here are the provider's own (unprefixed); the
 * gateway adds and strips prefixes. Methods a provider lacks are simply absent.
 */
import type { RequestContext } from '../mcp/context';
import type { LogLevel } from '../mcp/protocol';
import type { CacheHint, HintKind } from './cache-hints';

export type Json = Record<string, unknown>;

export interface ToolDef {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Json;
  outputSchema?: Json;
  annotations?: Json;
  _meta?: Json;
  [k: string]: unknown;
}
export interface ResourceDef {
  uri: string;
  name: string;
  [k: string]: unknown;
}
export interface TemplateDef {
  uriTemplate: string;
  name: string;
  [k: string]: unknown;
}
export interface PromptDef {
  name: string;
  [k: string]: unknown;
}

export interface Catalog {
  tools: ToolDef[];
  resources: ResourceDef[];
  templates: TemplateDef[];
  prompts: PromptDef[];
  /** 2026 upstreams: the strictest cache hint of each list's pages (cache-hints.ts). */
  hints?: Partial<Record<HintKind, CacheHint>>;
}

export const EMPTY_CATALOG: Catalog = Object.freeze({ tools: [], resources: [], templates: [], prompts: [] }) as Catalog;

export interface Provider {
  /** Server name from the config (the key in `servers`). */
  readonly name: string;
  /** Full catalog; providers cache it and refresh on list_changed. Needs no request context. */
  catalog(signal?: AbortSignal): Promise<Catalog>;
  callTool(ctx: RequestContext, name: string, args: Json): Promise<Json>;
  readResource?(ctx: RequestContext, uri: string): Promise<Json>;
  getPrompt?(ctx: RequestContext, name: string, args: Record<string, string>): Promise<Json>;
  complete?(ctx: RequestContext, params: Json): Promise<Json>;
  subscribe?(ctx: RequestContext, uri: string): Promise<void>;
  unsubscribe?(ctx: RequestContext, uri: string): Promise<void>;
  /** Forwards a `tasks/*` request (MCP 2025-11-25 tasks) to this server, ids as the server knows them. */
  taskRequest?(ctx: RequestContext, method: string, params: Json): Promise<Json>;
  /** Lifecycle of a connection-holding provider (upstream clients); built-ins lack these. */
  close?(): Promise<void>;
  /** Drops the cached catalog (hub_reload_config). */
  invalidate?(): void;
  /** The client set a log level (legacy lane): tell the upstream. */
  setLogLevel?(level: LogLevel): Promise<void>;
  /** The client's roots changed (legacy lane): tell the upstream. */
  rootsChanged?(): Promise<void>;
  /** OAuth upstreams (gateway/upstream-oauth.ts): start the caller's consent (hub_connect). */
  signIn?(ctx: RequestContext): Promise<Json>;
  /** OAuth upstreams: the grant mode and whether this runtime has a grant to use. */
  authStatus?(): { mode: 'user' | 'shared'; state: 'connected' | 'needs-authorization' | 'unknown'; needs?: string };
}
