/**
 * The hub's tool-integrity tools (admin scope): `tool_changes` lists quarantined tool definitions
 * with their diffs, `review_tools` approves or rejects them (as POST /admin/api/servers/:name/
 * approve|reject). Approving through a tool lets a model that holds an admin token approve a
 * poisoned definition: prefer the dashboard, or guard `review_tools` with `approval: "elicit"`
 * (README "Trust but verify").
 */
import type { Json, ToolDef } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import { toolError } from '../mcp/errors';
import type { TrustApi } from '../policy/api';

export const TRUST_TOOLS: ToolDef[] = [
  {
    name: 'tool_changes',
    title: 'Quarantined tool definitions',
    description:
      'Tool definitions waiting for an admin: changed since approval, new on an approved server, or flagged by screening; each with the reason and a unified diff against the approved definition.',
    inputSchema: { type: 'object', properties: { server: { type: 'string', description: 'Only this server.' } }, additionalProperties: false },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'review_tools',
    title: 'Approve or reject tool definitions',
    description: 'Approve (pin) or reject quarantined tool definitions of one server: all of them, or the named tools. Approving is a new config version.',
    inputSchema: {
      type: 'object',
      properties: {
        server: { type: 'string' },
        decision: { type: 'string', enum: ['approve', 'reject'] },
        tools: { type: 'array', items: { type: 'string' }, description: "Tool names (the server's own); default all pending." },
      },
      required: ['server', 'decision'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
];

const text = (v: unknown): Json => ({ content: [{ type: 'text', text: JSON.stringify(v, null, 2) }], structuredContent: v as Json });

export async function runTrustTool(
  tool: string,
  ctx: RequestContext,
  args: Json,
  trust: (() => TrustApi) | undefined,
  committed: (version: number) => Promise<unknown>,
): Promise<Json> {
  if (!ctx.principal.scopes.includes('admin')) return toolError(`${tool} needs the 'admin' scope`);
  if (!trust) return toolError('tool integrity is not available in this runtime');
  const server = typeof args.server === 'string' ? args.server : undefined;
  if (tool === 'tool_changes') return text({ pending: await trust().pendingTools(server) });
  if (!server || (args.decision !== 'approve' && args.decision !== 'reject')) return toolError("server and decision ('approve' or 'reject') are required");
  const r = await trust().decideTools({ sub: ctx.principal.sub }, server, args.decision === 'approve', args.tools);
  if (!r.ok) return toolError(r.error);
  if (args.decision === 'approve') await committed(r.version).catch(() => {});
  return text({ ok: true, version: r.version, [args.decision === 'approve' ? 'approved' : 'rejected']: r.tools });
}
