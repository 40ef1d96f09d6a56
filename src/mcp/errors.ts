/**
 * Protocol errors: one class, one exit (protocol errors and tool errors are two families, each
 * leaving through one function).
 *
 * `RpcError` carries the JSON-RPC code, the HTTP status the transport should use, and optional
 * data. It is plain data (`code`, `httpStatus`) so it survives a Durable Object RPC boundary,
 * where `instanceof` is lost: use `isRpcError`, never `instanceof`.
 * Tool execution failures are NOT RpcErrors: they are `isError: true` results (see toolError).
 */
import { ErrorCode, type JsonRpcErrorResponse, type JsonRpcId } from './protocol';

export class RpcError extends Error {
  readonly rpc = true;
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 200,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function isRpcError(e: unknown): e is RpcError {
  return typeof e === 'object' && e !== null && (e as { rpc?: unknown }).rpc === true && typeof (e as RpcError).code === 'number';
}

export const rpc = {
  parse: (detail: string) => new RpcError(ErrorCode.ParseError, `Parse error: ${detail}`, 400),
  invalidRequest: (detail: string) => new RpcError(ErrorCode.InvalidRequest, `Invalid Request: ${detail}`, 400),
  methodNotFound: (method: string, httpStatus = 200) => new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`, httpStatus),
  invalidParams: (detail: string, httpStatus = 200) => new RpcError(ErrorCode.InvalidParams, `Invalid params: ${detail}`, httpStatus),
  internal: () => new RpcError(ErrorCode.InternalError, 'Internal error', 500),
  forbidden: (detail: string) => new RpcError(ErrorCode.Forbidden, detail, 403),
};

export function errorResponse(id: JsonRpcId | null, err: RpcError): JsonRpcErrorResponse {
  const error: JsonRpcErrorResponse['error'] = { code: err.code, message: err.message };
  if (err.data !== undefined) error.data = err.data;
  return { jsonrpc: '2.0', id, error };
}

/** Maps any thrown value to an RpcError; unknown errors become a generic -32603 (logged by the caller). */
export function toRpcError(e: unknown): RpcError {
  if (isRpcError(e)) return e;
  return rpc.internal();
}

/** A tool execution failure: an `isError` result with a message a person can act on. */
export function toolError(message: string): { content: { type: 'text'; text: string }[]; isError: true } {
  return { content: [{ type: 'text', text: message }], isError: true };
}
