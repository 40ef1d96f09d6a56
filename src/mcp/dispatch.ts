/**
 * Method dispatch shared by both lanes. Maps JSON-RPC methods to a `Backend` (the gateway),
 * validates params with the SDK's zod schemas, and stamps every result with the config version.
 * Lane-specific methods (initialize, server/discover, subscriptions/listen, ping, logging) are
 * handled by the lane modules before reaching here.
 */
import {
  CallToolRequestParamsSchema,
  CompleteRequestParamsSchema,
  GetPromptRequestParamsSchema,
  PaginatedRequestParamsSchema,
  ReadResourceRequestParamsSchema,
  SubscribeRequestParamsSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { RequestContext } from './context';
import { rpc } from './errors';
import { META_CONFIG_VERSION } from './protocol';

type Params = Record<string, unknown>;
type Result = Record<string, unknown>;

export interface Backend {
  readonly configVersion: number;
  listTools(ctx: RequestContext, cursor?: string): Promise<Result>;
  callTool(ctx: RequestContext, name: string, args: Params): Promise<Result>;
  listResources(ctx: RequestContext, cursor?: string): Promise<Result>;
  listResourceTemplates(ctx: RequestContext, cursor?: string): Promise<Result>;
  readResource(ctx: RequestContext, uri: string): Promise<Result>;
  subscribe(ctx: RequestContext, uri: string): Promise<void>;
  unsubscribe(ctx: RequestContext, uri: string): Promise<void>;
  listPrompts(ctx: RequestContext, cursor?: string): Promise<Result>;
  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>): Promise<Result>;
  complete(ctx: RequestContext, params: Params): Promise<Result>;
  /** tasks/get|result|cancel|list (MCP 2025-11-25), where tasks are served. */
  taskRequest?(ctx: RequestContext, method: string, params: Params): Promise<Result>;
}

function parse<S extends z.ZodType>(schema: S, params: Params | undefined): z.infer<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw rpc.invalidParams(`${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Methods this module serves, for capability checks and 404/-32601 decisions. */
export const GATEWAY_METHODS = new Set([
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

export async function dispatch(backend: Backend, ctx: RequestContext, method: string, params: Params | undefined): Promise<Result> {
  const result = await route(backend, ctx, method, params);
  // legacy lane: (un)subscribe results are exactly {} (clients parse them strictly).
  if (method === 'resources/subscribe' || method === 'resources/unsubscribe') return result;
  const meta = (result._meta as Params | undefined) ?? {};
  return { ...result, _meta: { ...meta, [META_CONFIG_VERSION]: backend.configVersion } };
}

async function route(b: Backend, ctx: RequestContext, method: string, params: Params | undefined): Promise<Result> {
  switch (method) {
    case 'tools/list':
      return b.listTools(ctx, parse(PaginatedRequestParamsSchema, params).cursor);
    case 'tools/call': {
      const p = parse(CallToolRequestParamsSchema, params);
      return b.callTool(ctx, p.name, (p.arguments ?? {}) as Params);
    }
    case 'resources/list':
      return b.listResources(ctx, parse(PaginatedRequestParamsSchema, params).cursor);
    case 'resources/templates/list':
      return b.listResourceTemplates(ctx, parse(PaginatedRequestParamsSchema, params).cursor);
    case 'resources/read':
      return b.readResource(ctx, parse(ReadResourceRequestParamsSchema, params).uri);
    case 'resources/subscribe':
      await b.subscribe(ctx, parse(SubscribeRequestParamsSchema, params).uri);
      return {};
    case 'resources/unsubscribe':
      await b.unsubscribe(ctx, parse(SubscribeRequestParamsSchema, params).uri);
      return {};
    case 'prompts/list':
      return b.listPrompts(ctx, parse(PaginatedRequestParamsSchema, params).cursor);
    case 'prompts/get': {
      const p = parse(GetPromptRequestParamsSchema, params);
      return b.getPrompt(ctx, p.name, (p.arguments ?? {}) as Record<string, string>);
    }
    case 'completion/complete':
      return b.complete(ctx, parse(CompleteRequestParamsSchema, params) as Params);
    case 'tasks/get':
    case 'tasks/result':
    case 'tasks/cancel':
    case 'tasks/list':
    case 'tasks/update': {
      // 2025-11-25: get/result/cancel/list; 2026-07-28 (tasks extension): get/update/cancel.
      const lane = ctx.lane === 'legacy' ? ['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/list'] : ['tasks/get', 'tasks/update', 'tasks/cancel'];
      if (!b.taskRequest || !ctx.tasks || !lane.includes(method)) throw rpc.methodNotFound(method);
      return b.taskRequest(ctx, method, params ?? {});
    }
    default:
      throw rpc.methodNotFound(method);
  }
}
