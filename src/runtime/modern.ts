/** The stateless 2026-07-28 lane (placeholder until the lane lands). */
import type { Principal } from '../mcp/context';
import { errorResponse, rpc } from '../mcp/errors';
import type { JsonRpcMessage } from '../mcp/protocol';

export const MODERN_ONLY_METHODS = new Set(['server/discover', 'subscriptions/listen']);

export async function handleModern(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, req: Request, message: JsonRpcMessage, principal: Principal): Promise<Response> {
  void env, ctx, req, principal;
  const id = 'id' in message ? (message.id ?? null) : null;
  return Response.json(errorResponse(id, rpc.methodNotFound('2026-07-28')), { status: 404 });
}
