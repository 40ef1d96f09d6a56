/**
 * MCP protocol constants shared by both eras.
 *
 * Two lanes on one endpoint (MCP transports §dual-era):
 * - legacy, sessionful: 2025-03-26 / 2025-06-18 / 2025-11-25 — `initialize` opens a session;
 * - modern, stateless: 2026-07-28 — every request carries `_meta[META_VERSION]`.
 */
import { ErrorCode as SdkErrorCode } from '@modelcontextprotocol/sdk/types.js';

export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const MODERN_VERSIONS = ['2026-07-28'] as const;
export const ALL_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];
export const LATEST_LEGACY = LEGACY_VERSIONS[0];

export const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_CAPS = 'io.modelcontextprotocol/clientCapabilities';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
/** edgehub's own `_meta` key on every result: the config version that served it. */
export const META_CONFIG_VERSION = 'io.edgehub/configVersion';

export const HEADER_SESSION = 'mcp-session-id';
export const HEADER_VERSION = 'mcp-protocol-version';
export const HEADER_METHOD = 'mcp-method';
export const HEADER_NAME = 'mcp-name';

/**
 * JSON-RPC and MCP error codes: the standard ones as the SDK defines them (JSON-RPC 2.0 §5.1),
 * plus the 2026-07-28 ones the SDK 1.x lacks and edgehub's own (in the -32000..-32099 server range).
 */
export const ErrorCode = {
  ParseError: SdkErrorCode.ParseError,
  InvalidRequest: SdkErrorCode.InvalidRequest,
  MethodNotFound: SdkErrorCode.MethodNotFound,
  InvalidParams: SdkErrorCode.InvalidParams,
  InternalError: SdkErrorCode.InternalError,
  /** JSON-RPC server error: a rate limit, cap or quota refused the request (HTTP 429). */
  ServerError: -32000,
  /** The session ended or never existed (HTTP 404; the client initializes again). */
  SessionNotFound: -32001,
  /** MCP: resource not found (SEP-2164). */
  ResourceNotFound: -32002,
  /** 2026-07-28: header value does not match the body. */
  HeaderMismatch: -32020,
  /** 2026-07-28: request needs a client capability the client did not declare. */
  MissingClientCapability: -32021,
  /** 2026-07-28: unsupported protocol version. */
  UnsupportedVersion: -32022,
  /** edgehub: upstream unavailable (breaker open, timeout, connect failure). */
  UpstreamUnavailable: -32010,
  /** edgehub: caller lacks the scope for this operation. */
  Forbidden: -32011,
  /** edgehub: a tool policy refused the call (rule, elicitation declined, admin rejected or expired). */
  PolicyDenied: -32012,
  /** edgehub: the tool's definition is not approved (changed, new or flagged): an admin must approve it. */
  ToolQuarantined: -32013,
} as const;

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLegacyVersion(v: unknown): v is string {
  return typeof v === 'string' && (LEGACY_VERSIONS as readonly string[]).includes(v);
}
export function isModernVersion(v: unknown): v is string {
  return typeof v === 'string' && (MODERN_VERSIONS as readonly string[]).includes(v);
}

export type JsonRpcId = string | number;
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResult {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: Record<string, unknown>;
}
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: { code: number; message: string; data?: unknown };
}
export type JsonRpcResponse = JsonRpcResult | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return 'method' in m && 'id' in m && m.id !== undefined && m.id !== null;
}
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return 'method' in m && !('id' in m && m.id !== undefined);
}

/** The three lists a client caches, and the notification that says one changed. */
export type ListKind = 'tools' | 'resources' | 'prompts';
export const LIST_KINDS: readonly ListKind[] = ['tools', 'resources', 'prompts'];
export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};
