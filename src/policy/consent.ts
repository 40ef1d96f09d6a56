/**
 * The two human approvals a policy rule can require before a call proceeds:
 *
 * - `elicit`: the caller's own user confirms through a form elicitation (MCP 2025-06-18+
 *   `elicitation/create`, or an MRTR `input_required` result on the 2026-07-28 lane) that shows
 *   the tool and its arguments. A client that did not declare form elicitation is refused, saying so.
 * - `admin`: the call is parked in the tenant's ConfigDO (policy/approval-service.ts), bound to
 *   the SHA-256 of its canonical arguments, until an admin approves or rejects it (dashboard,
 *   admin API) or it expires. While it waits the caller gets `notifications/progress` (when it
 *   sent a progressToken); closing the request cancels the parked row.
 */
import type { ToolRef } from '../gateway/guard';
import type { Json } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import type { TrustApi } from './api';
import { argsDigest, canonicalJson, sha256Hex } from './hash';

/** One wait on the ConfigDO; a progress notification follows each. */
export const WAIT_SLICE_MS = 3_000;
const MAX_SHOWN_ARGS = 4000;

/** Refuses the call (a PolicyDenied error); `recorded`: the ConfigDO already audited and counted it. */
export type Refuse = (decision: string, message: string, detail?: Record<string, unknown>, recorded?: boolean) => Promise<never>;

function elicitForm(caps: unknown): boolean {
  if (!caps || typeof caps !== 'object') return false;
  const c = caps as Record<string, unknown>;
  // MCP 2025-11-25: `{}` (no modes named) means form; otherwise `form` must be listed.
  return Object.keys(c).length === 0 || c.form !== undefined;
}

/** MRTR key of edgehub's own confirmation, and the prefix of the requestState that binds it to the arguments. */
export const CONFIRM_KEY = 'edgehub_confirm';
const STATE_PREFIX = 'edgehub-confirm:';

/**
 * The user's answer, or the input_required result that asks for it. Legacy lane: a server→client
 * `elicitation/create` on the session. Modern lane (stateless, MCP 2026-07-28 MRTR): an
 * `input_required` result with one elicitation under CONFIRM_KEY and a requestState naming the
 * arguments' digest; the client retries with its answer, which is taken out of the params before
 * the call goes on (the upstream never sees edgehub's key or state). A retry that carries another
 * requestState continues the upstream's own exchange, which began after the user confirmed.
 */
async function ask(ctx: RequestContext, form: Json, digest: string): Promise<{ answer: Record<string, unknown> } | { ask: Json } | { skip: true }> {
  if (ctx.lane !== 'modern') return { answer: await ctx.request('elicitation/create', form) };
  const params = (ctx.params ?? {}) as Json;
  const responses = params.inputResponses as Record<string, unknown> | undefined;
  const state = typeof params.requestState === 'string' ? params.requestState : undefined;
  const answer = responses?.[CONFIRM_KEY];
  if (answer === undefined) {
    if (state !== undefined && !state.startsWith(STATE_PREFIX)) return { skip: true };
    return {
      ask: {
        resultType: 'input_required',
        inputRequests: { [CONFIRM_KEY]: { method: 'elicitation/create', params: form } },
        requestState: `${STATE_PREFIX}${digest}`,
      },
    };
  }
  delete responses![CONFIRM_KEY];
  if (!Object.keys(responses!).length) delete params.inputResponses;
  if (state?.startsWith(STATE_PREFIX)) delete params.requestState;
  if (state !== `${STATE_PREFIX}${digest}`) throw new Error("the answer is for other arguments than this call's; call again to be asked for these");
  return { answer: answer as Record<string, unknown> };
}

/** Resolves when the user allowed the call; returns an `input_required` result to send instead (modern lane). */
export async function confirmByUser(ctx: RequestContext, tool: ToolRef, args: Json, rule: number, refuse: Refuse, trust: TrustApi): Promise<Json | undefined> {
  const why = `calling ${tool.exposed} needs the user's confirmation (policy rule ${rule}, approval "elicit")`;
  if (!elicitForm(ctx.clientCapabilities.elicitation))
    return refuse('elicitation_unsupported', `${why}, but this client did not declare form elicitation; use a client that supports it`);
  let shown = JSON.stringify(args, null, 2);
  if (shown.length > MAX_SHOWN_ARGS) shown = `${shown.slice(0, MAX_SHOWN_ARGS)}\n… (truncated)`;
  const form = {
    message: `Allow the call to tool ${tool.exposed} (server ${tool.server}) with these arguments?\n${shown}`,
    requestedSchema: {
      type: 'object',
      properties: { confirm: { type: 'boolean', title: `Run ${tool.exposed}`, description: 'Check to allow this call with exactly these arguments.' } },
      required: ['confirm'],
    },
  };
  let res: Record<string, unknown>;
  try {
    const r = await ask(ctx, form, await argsDigest(args));
    if ('ask' in r) return r.ask;
    if ('skip' in r) return undefined;
    res = r.answer;
  } catch (e) {
    return refuse('elicitation_failed', `${why}, but the client could not be asked: ${e instanceof Error ? e.message : String(e)}`);
  }
  const content = (res.content ?? {}) as Record<string, unknown>;
  if (res.action !== 'accept' || content.confirm !== true)
    return refuse('declined', `the user did not allow the call to ${tool.exposed} (${String(res.action)}${res.action === 'accept' ? ', not confirmed' : ''})`, {
      action: res.action,
    });
  await trust
    .auditDecision({ actor: ctx.principal.sub, action: 'call.confirmed', target: tool.server, ok: true, detail: { tool: tool.exposed, rule } })
    .catch(() => {});
  return undefined;
}

/** `ttlMs`: how long the call waits for an admin (APPROVAL_TTL_SECONDS, config/limits.ts). */
export async function waitForAdmin(
  ctx: RequestContext,
  tool: ToolRef,
  args: Json,
  rule: number,
  refuse: Refuse,
  trust: TrustApi,
  ttlMs: number,
): Promise<void> {
  const canonical = canonicalJson(args);
  const digest = await sha256Hex(canonical);
  const parked = await trust.requestApproval({
    server: tool.server,
    tool: tool.exposed,
    sub: ctx.principal.sub,
    args: canonical,
    digest,
    rule,
    ttlMs,
  });
  if (!parked.ok) return refuse('approval_unavailable', parked.error);
  const { id, expiresAt } = parked;
  let step = 0;
  const progress = (message: string) => {
    if (ctx.progressToken !== undefined) ctx.notify('notifications/progress', { progressToken: ctx.progressToken, progress: step++, message });
  };
  progress(`waiting for an admin to approve call ${id} to ${tool.exposed} (arguments digest ${digest}); expires at ${new Date(expiresAt).toISOString()}`);
  for (;;) {
    if (ctx.signal.aborted) {
      await trust.cancelApproval(id, 'cancelled').catch(() => {});
      return refuse('cancelled', `the call to ${tool.exposed} was cancelled while it waited for an admin`, { id });
    }
    const status = await trust.waitApproval(id, WAIT_SLICE_MS);
    if (status === 'approved') return;
    if (status === 'pending' && Date.now() < expiresAt) {
      progress(`still waiting for an admin to approve call ${id} to ${tool.exposed}`);
      continue;
    }
    if (status === 'pending') await trust.cancelApproval(id, 'expired').catch(() => {});
    const message =
      status === 'rejected'
        ? `an admin rejected the call to ${tool.exposed} (approval ${id})`
        : status === 'pending' || status === 'expired'
          ? `no admin approved the call to ${tool.exposed} within ${Math.round(ttlMs / 1000)} s (approval ${id} expired); call again to ask again`
          : `the call to ${tool.exposed} was not approved (approval ${id} is ${status})`;
    // The ConfigDO audited the admin's decision or the expiry; nothing more to record here.
    return refuse(status === 'rejected' ? 'rejected' : 'expired', message, { id }, true);
  }
}
