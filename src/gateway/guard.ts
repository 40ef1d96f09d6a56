/**
 * The hooks through which tool integrity and per-tool policy (src/policy/guard.ts) act on the
 * gateway: kept as an interface here so the gateway stays policy-agnostic and every path that
 * lists or calls tools (tools/list, tools/call on both lanes, the hub's proxy and search tools,
 * which call back into the gateway) passes through the same three checks.
 */
import type { RequestContext } from '../mcp/context';
import type { Json, ToolDef } from './provider';

/** One tool as the gateway routes it. */
export interface ToolRef {
  /** Config server name (`hub` for edgehub's own tools). */
  server: string;
  /** The server's own (unprefixed) tool name. */
  name: string;
  /** The name clients see. */
  exposed: string;
  annotations?: Json;
}

export interface CatalogTool extends ToolRef {
  def: ToolDef;
}

export interface CallGuard {
  /**
   * Integrity of a freshly listed catalog: the tools to leave out for everyone (exposed name →
   * reason). `all` holds every mounted tool (for shadowing checks); only `untrusted` ones are vetted.
   */
  vet(untrusted: CatalogTool[], all: CatalogTool[]): Promise<Map<string, string>>;
  /** False when this principal may never call the tool (it is left out of the principal's lists). */
  visible(ctx: RequestContext, tool: ToolRef): boolean;
  /** False when `visible` is true for everyone: lists are then shared by all principals. */
  readonly listsVary: boolean;
  /**
   * Before a call reaches the provider: throws an RpcError to refuse (may wait for an approval),
   * or returns a result to send instead of calling (an `input_required` asking the user first).
   */
  admit(ctx: RequestContext, tool: ToolRef, args: Json): Promise<Json | undefined>;
}
