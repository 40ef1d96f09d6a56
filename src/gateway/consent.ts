/**
 * How a caller is sent to sign in at an upstream (the consent link of src/vault/), per client:
 * - 2025-11-25 clients that declare URL-mode elicitation (`elicitation.url`): the
 *   URLElicitationRequired error (-32042) carrying the link, and the client retries the call once
 *   the person is done. Chosen over `elicitation/create` + `notifications/elicitation/complete`:
 *   the grant completes in another request (the browser's callback, minutes later, maybe in another
 *   isolate), so holding the tool call open would pin the session and its upstream request for
 *   that long with nothing to wake it; a retry works the same on both lanes.
 * - 2026-07-28 clients that declare it: the equivalent `input_required` result (an embedded
 *   url-mode `elicitation/create`); the retry carries `inputResponses`, and the call goes through
 *   once the grant exists.
 * - Any other client: an `isError` result whose text holds the link and says what to do.
 */
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import type { Json } from './provider';

export const URL_ELICITATION_REQUIRED = -32042;

function declaresUrlElicitation(ctx: RequestContext): boolean {
  const e = ctx.clientCapabilities?.elicitation as Record<string, unknown> | undefined;
  return typeof e === 'object' && e !== null && typeof e.url === 'object' && e.url !== null;
}

/**
 * The reply that sends the caller to `url`. `as`: `error` (a tool call: isError result), `result`
 * (hub_connect: a plain result), `protocol` (resources/read, prompts/get: no isError shape exists, so
 * clients without URL elicitation get a JSON-RPC error whose message holds the link).
 */
export function consentReply(
  ctx: RequestContext,
  server: string,
  url: string,
  as: 'error' | 'result' | 'protocol' = 'error',
  elicitationId: string = crypto.randomUUID(),
): Json {
  const message = `Sign in to ${server} to let edgehub call it as you. Open the link, confirm, and approve at ${server}'s sign-in page; then retry.`;
  if (declaresUrlElicitation(ctx)) {
    const request = { mode: 'url', elicitationId, url, message };
    if (ctx.lane === 'modern')
      return { resultType: 'input_required', inputRequests: { [`connect-${server}`]: { method: 'elicitation/create', params: request } } };
    throw new RpcError(URL_ELICITATION_REQUIRED, `${server} needs you to sign in first`, 200, { elicitations: [request] });
  }
  if (as === 'protocol') throw new RpcError(ErrorCode.InvalidRequest, `${server} needs your authorization: open ${url} in a browser, then retry`, 200, { url });
  const text = `${server} needs your authorization. Open this link in a browser, confirm, and sign in at ${server}; then call the tool again:\n${url}\n(The link works once and expires in 10 minutes; hub_connect {"server": "${server}"} makes a new one.)`;
  return { content: [{ type: 'text', text }], ...(as === 'error' ? { isError: true } : {}), structuredContent: { server, url, needsAuthorization: true } };
}
