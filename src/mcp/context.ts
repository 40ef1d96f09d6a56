/**
 * What a handler may know and do while serving one request, independent of lane.
 * The session DO (legacy lane) and the stateless handler (modern lane) each build one.
 */
import type { Principal } from '../auth/principal';
import type { LocalTasks } from './local-tasks';
import type { LogLevel } from './protocol';
import type { TaskMap } from './task-map';

export type Lane = 'legacy' | 'modern';

export interface RequestContext {
  lane: Lane;
  /** Follows the request through logs (X-Request-Id). */
  requestId?: string;
  principal: Principal;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  /** Aborted on notifications/cancelled (legacy) or when the response stream closes (modern). */
  signal: AbortSignal;
  progressToken?: string | number;
  /** The request's original params (providers that forward verbatim copy extra keys, e.g. MRTR's inputResponses). */
  params?: Record<string, unknown>;
  /** Request headers a stateless forwarder must pass on (2026-07-28: `Mcp-Param-*`). */
  forwardHeaders?: Record<string, string>;
  /** The session's task ids (legacy lane, MCP 2025-11-25 tasks); absent where tasks are not served. */
  tasks?: TaskMap;
  /** Runs edgehub's own tools as tasks (legacy lane, local-tasks.ts). */
  localTasks?: LocalTasks;
  /** Minimum level for notifications/message on this request; undefined = no logging (modern lane rule). */
  logLevel?: LogLevel;
  /** Sends a notification tied to this request (progress, log message). Never throws. */
  notify(method: string, params: Record<string, unknown>): void;
  /**
   * Sends a server→client request tied to this request (sampling, elicitation, roots) and
   * resolves with the client's result. Rejects with an RpcError on the modern lane.
   */
  request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
}
