/**
 * Magg's `proxy` tool over the gateway itself: list (paged, filterable by server), info (one
 * item's definition) and call (tool call, resource read, prompt get). Results of `call` are the
 * target's own result; list/info are JSON text plus structuredContent.
 */

import type { Json } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import type { Backend } from '../mcp/dispatch';
import { toolError } from '../mcp/errors';

const LISTS = { tool: ['listTools', 'tools', 'name'], resource: ['listResources', 'resources', 'uri'], prompt: ['listPrompts', 'prompts', 'name'] } as const;

export async function runProxy(gateway: Backend, ctx: RequestContext, args: Json, sep = '_'): Promise<Json> {
  const action = args.action;
  const type = args.type as keyof typeof LISTS;
  if (!['list', 'info', 'call'].includes(String(action))) return toolError("action must be 'list', 'info' or 'call'");
  if (!(type in LISTS)) return toolError("type must be 'tool', 'resource' or 'prompt'");
  const [method, key, id] = LISTS[type];
  const all = ((await gateway[method](ctx)) as Json)[key] as Json[];
  if (action === 'list') {
    const filter = typeof args.filter_server === 'string' ? args.filter_server : '';
    const items = all.filter((x) => !filter || String(x[id]).startsWith(`${filter}${sep}`) || String(x[id]).startsWith(`edgehub://${filter}/`));
    const offset = Number.isInteger(args.offset) ? (args.offset as number) : 0;
    const limit = Number.isInteger(args.limit) ? (args.limit as number) : 100;
    const page = items.slice(offset, offset + limit);
    const out = { type, total: items.length, offset, limit, items: page };
    return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
  }
  const path = typeof args.path === 'string' ? args.path : '';
  if (!path) return toolError('path is required for info and call');
  if (action === 'info') {
    const item = all.find((x) => x[id] === path);
    return item ? { content: [{ type: 'text', text: JSON.stringify(item) }], structuredContent: item } : toolError(`no ${type} '${path}'`);
  }
  const callArgs = (typeof args.args === 'object' && args.args !== null ? args.args : {}) as Json;
  if (type === 'tool') {
    if (path === 'proxy') return toolError('proxy cannot call itself');
    return gateway.callTool(ctx, path, callArgs);
  }
  if (type === 'resource') {
    const r = await gateway.readResource(ctx, path);
    return { content: [{ type: 'text', text: JSON.stringify(r) }], structuredContent: r };
  }
  const r = await gateway.getPrompt(ctx, path, callArgs as Record<string, string>);
  return { content: [{ type: 'text', text: JSON.stringify(r) }], structuredContent: r };
}
