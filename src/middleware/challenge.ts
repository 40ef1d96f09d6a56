/**
 * The auth wire: 401/403/429/503 responses and their `WWW-Authenticate` challenges, built in one
 * place (RFC 6750 §3, RFC 9728 §5.1, MCP authorization §2025-11-25).
 *
 * - 401 without a token: `Bearer resource_metadata="…", scope="…"` (no error code, RFC 6750 §3.1)
 * - 401 with a bad token: `Bearer error="invalid_token", error_description="…", resource_metadata="…"`
 * - 403: `Bearer error="insufficient_scope", scope="<needed>", resource_metadata="…"`
 * Bodies are JSON-RPC errors on /mcp and `{ error, message }` elsewhere. No body or header ever
 * carries the presented token.
 */
import { ErrorCode } from '../mcp/protocol';
export interface ChallengeContext {
  /** JSON-RPC error body (the /mcp endpoint) or plain JSON. */
  jsonRpc: boolean;
  resourceMetadata: string;
  /** git smart-HTTP: also offer Basic so git prompts for credentials (password = token). */
  basicRealm?: string;
}

/** JSON-RPC code for auth refusals (the code the MCP TypeScript SDK servers use for 401). */
const UNAUTHORIZED = -32001;
/** edgehub's Forbidden code (mcp/protocol.ts ErrorCode.Forbidden). */
const FORBIDDEN = -32011;

// RFC 6750 §3: quoted values are %x20-21 / %x23-5B / %x5D-7E.
const q = (s: string) => `"${s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;

function challenge(ctx: ChallengeContext, params: Record<string, string | undefined>): string {
  const parts = Object.entries({ ...params, resource_metadata: ctx.resourceMetadata })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${q(v!)}`);
  const bearer = `Bearer ${parts.join(', ')}`;
  return ctx.basicRealm ? `${bearer}, Basic realm=${q(ctx.basicRealm)}` : bearer;
}

function body(ctx: ChallengeContext, code: number, error: string, message: string): string {
  return JSON.stringify(ctx.jsonRpc ? { jsonrpc: '2.0', id: null, error: { code, message, data: { error } } } : { error, message });
}

function respond(status: number, text: string, headers: Record<string, string>): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
}

/** 401: no credentials (`error` undefined) or a refused token (`invalid_token`). */
export function unauthorized(ctx: ChallengeContext, message: string, opts: { invalidToken: boolean; scope?: string }): Response {
  const params = opts.invalidToken ? { error: 'invalid_token', error_description: message } : { scope: opts.scope };
  return respond(401, body(ctx, UNAUTHORIZED, opts.invalidToken ? 'invalid_token' : 'unauthorized', `Unauthorized: ${message}`), {
    'www-authenticate': challenge(ctx, params),
  });
}

export function insufficientScope(ctx: ChallengeContext, scope: string): Response {
  const message = `this operation needs the '${scope}' scope`;
  return respond(403, body(ctx, FORBIDDEN, 'insufficient_scope', `Forbidden: ${message}`), {
    'www-authenticate': challenge(ctx, { error: 'insufficient_scope', scope, error_description: message }),
  });
}

export function forbidden(ctx: ChallengeContext, message: string): Response {
  return respond(403, body(ctx, ErrorCode.InvalidRequest, 'forbidden', `Forbidden: ${message}`), {});
}

export function rateLimited(ctx: ChallengeContext, retryAfterSec: number): Response {
  return respond(429, body(ctx, ErrorCode.ServerError, 'rate_limited', `Too many requests: retry after ${retryAfterSec} s`), {
    'retry-after': String(retryAfterSec),
  });
}

export function unavailable(ctx: ChallengeContext, message: string, retryAfterSec = 30): Response {
  return respond(503, body(ctx, ErrorCode.ServerError, 'temporarily_unavailable', message), { 'retry-after': String(retryAfterSec) });
}
