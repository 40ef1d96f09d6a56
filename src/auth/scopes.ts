/**
 * Scope policy (pure): which OAuth scope an operation needs, and how a token's scopes are read.
 *
 *   mcp:read  every MCP request at the transport (initialize, ping, lists, reads, logging,
 *             server/discover, subscriptions/listen, completion) and tools whose annotations
 *             say `readOnlyHint: true`
 *   mcp:call  every other tool call; git push (receive-pack: routes/git.ts and the Repo DO)
 *   admin     /admin/api/*, the dashboard, mutating hub_* tools (hub/provider.ts)
 *   connector `GET /connect/:name` only (routes/connect.ts; `admin` also may): a machine that runs
 *             the tenant's stdio servers. It grants nothing else: no MCP request, no admin API.
 *
 * Scopes are independent: `mcp:call` does not imply `mcp:read` and `admin` implies neither
 * (a token lists what it may do; `edgehub auth token` defaults to all three). Unknown methods
 * need `mcp:call` (fail closed), though the dispatcher answers them with -32601 anyway.
 * Trade-off: `readOnlyHint` comes from the upstream (untrusted: MCP says tool annotations are hints); trusting it is the
 * operator's choice when mounting that upstream — it can only lower a tool to `mcp:read`.
 */
import { isScopeToken, type Scope, splitScopeList } from './tokens.mjs';

export { SCOPES, type Scope } from './tokens.mjs';

/** Methods that need only `mcp:read` (both eras; notifications and responses are read-level too). */
const READ_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'logging/setLevel',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
]);

export interface ToolAnnotations {
  readOnlyHint?: unknown;
  [k: string]: unknown;
}

/**
 * The scope a JSON-RPC method needs. For `tools/call` pass the called tool's annotations (as the
 * gateway's merged catalog holds them): only `readOnlyHint === true` lowers it to `mcp:read`.
 */
export function requiredScope(method: string, toolAnnotations?: ToolAnnotations | null): Scope {
  if (method === 'tools/call') return toolAnnotations?.readOnlyHint === true ? 'mcp:read' : 'mcp:call';
  if (READ_METHODS.has(method) || method.startsWith('notifications/')) return 'mcp:read';
  return 'mcp:call';
}

const MAX_SCOPES = 64;

/**
 * Scopes from JWT claims: `scope` (RFC 8693/9068, space-separated string) or `scp` (array or
 * string, as Azure AD / Okta issue). Invalid entries are dropped; null when the token carries no
 * scope claim at all (the caller then applies AUTH_DEFAULT_SCOPES).
 */
export function scopesFromClaims(claims: Record<string, unknown>): string[] | null {
  const raw: unknown[] = [];
  let present = false;
  for (const v of [claims.scope, claims.scp]) {
    if (typeof v === 'string') {
      present = true;
      raw.push(...v.split(' '));
    } else if (Array.isArray(v)) {
      present = true;
      raw.push(...v);
    }
  }
  if (!present) return null;
  const out = new Set<string>();
  for (const s of raw) if (isScopeToken(s) && out.size < MAX_SCOPES) out.add(s);
  return [...out];
}

/** A space- or comma-separated list var (AUTH_DEFAULT_SCOPES) as scopes. */
export function parseScopeList(v: string | undefined): string[] {
  return splitScopeList(v).filter(isScopeToken);
}
