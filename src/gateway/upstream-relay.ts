/**
 * What an upstream connection sends downstream: server→client requests (sampling, elicitation,
 * roots) relayed to the downstream request that caused them (found through AsyncLocalStorage, whose
 * context follows the SDK's stream reading into these handlers) or else to the session (the sink);
 * log messages filtered by the requester's level; list_changed, resource updates and task status.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  TaskStatusNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestContext } from '../mcp/context';
import { LOG_LEVELS } from '../mcp/protocol';
import type { Json } from './provider';
import { relatedTaskToClient } from './tasks';

/** Where upstream-initiated traffic with no related downstream request goes (the session). */
export interface DownstreamSink {
  notify(method: string, params: Json): void;
  request(method: string, params: Json): Promise<Json>;
  /** The upstream's catalog changed; the gateway must rebuild its merged view. */
  catalogChanged(server: string, kinds: ('tools' | 'resources' | 'prompts')[]): void;
  resourceUpdated(server: string, uri: string): void;
  /** notifications/tasks/status of an upstream task (MCP 2025-11-25 tasks). */
  taskStatus?(server: string, params: Json): void;
  /** The downstream client's capabilities: what we may advertise upstream (sampling, roots, …). */
  clientCapabilities(): Json;
}

export interface RelayWiring {
  /** The upstream's server name (config key). */
  name: string;
  sink: DownstreamSink;
  /** The downstream request a call runs for (set around each forwarded call). */
  related: AsyncLocalStorage<RequestContext>;
  /** The upstream said one of its lists changed (drop the cached catalog). */
  onListChanged(): void;
}

/** Installs the handlers on a connected client; `capabilities` are the ones declared upstream. */
export function wireRelays(client: Client, capabilities: Json, o: RelayWiring): void {
  const relay = (method: string) => async (req: { params?: unknown }) => {
    const ctx = o.related.getStore();
    // A task's input request names its task: the client knows it by the session's id (tasks.ts).
    const params = relatedTaskToClient(ctx?.tasks, o.name, (req.params ?? {}) as Json);
    return (ctx ? await ctx.request(method, params) : await o.sink.request(method, params)) as never;
  };
  // The SDK refuses handlers for capabilities we did not declare (we declare the client's own).
  if (capabilities.sampling) client.setRequestHandler(CreateMessageRequestSchema, relay('sampling/createMessage'));
  if (capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, relay('elicitation/create'));
  if (capabilities.roots) client.setRequestHandler(ListRootsRequestSchema, relay('roots/list'));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    const ctx = o.related.getStore();
    const params = { ...n.params, logger: n.params.logger ?? o.name };
    if (ctx) {
      // 2026-07-28: log notifications only when the request asked for them (_meta logLevel).
      if (ctx.lane === 'modern' && ctx.logLevel === undefined) return;
      if (ctx.logLevel === undefined || LOG_LEVELS.indexOf(n.params.level) >= LOG_LEVELS.indexOf(ctx.logLevel)) ctx.notify('notifications/message', params);
    } else o.sink.notify('notifications/message', params);
  });
  const changed = (kind: 'tools' | 'resources' | 'prompts') => () => {
    o.onListChanged();
    o.sink.catalogChanged(o.name, [kind]);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, changed('tools'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, changed('resources'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, changed('prompts'));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => o.sink.resourceUpdated(o.name, n.params.uri));
  client.setNotificationHandler(TaskStatusNotificationSchema, (n) => o.sink.taskStatus?.(o.name, n.params as Json));
}
