/**
 * Parsing and validating JSON-RPC bodies (JSON-RPC 2.0 §4–5).
 * Batches are refused: MCP 2025-06-18 removed JSON-RPC batching, 2026-07-28 never had it.
 */
import { type RpcError, rpc } from './errors';
import type { JsonRpcMessage } from './protocol';

export type Parsed = { ok: true; message: JsonRpcMessage } | { ok: false; error: RpcError; id: string | number | null };

/** Deeper messages are refused: nothing in MCP nests this deep, and deep values overflow serializers. */
export const MAX_DEPTH = 64;

export function parseBody(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: rpc.parse(e instanceof Error ? e.message : 'invalid JSON'), id: null };
  }
  if (depthExceeds(value, MAX_DEPTH)) {
    const id =
      typeof (value as { id?: unknown })?.id === 'string' || typeof (value as { id?: unknown })?.id === 'number' ? (value as { id: string | number }).id : null;
    return { ok: false, error: rpc.invalidRequest(`JSON nested deeper than ${MAX_DEPTH} levels`), id };
  }
  return validateMessage(value);
}

/** Iterative (no recursion: the input is untrusted) check of the nesting depth. */
function depthExceeds(root: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return false;
}

export function validateMessage(value: unknown): Parsed {
  if (Array.isArray(value)) return { ok: false, error: rpc.invalidRequest('JSON-RPC batches are not supported'), id: null };
  if (typeof value !== 'object' || value === null) return { ok: false, error: rpc.invalidRequest('expected a JSON object'), id: null };
  const m = value as Record<string, unknown>;
  const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
  const fail = (why: string): Parsed => ({ ok: false, error: rpc.invalidRequest(why), id });
  if (m.jsonrpc !== '2.0') return fail('"jsonrpc" must be "2.0"');
  if ('id' in m && m.id !== undefined && id === null) return fail('"id" must be a string or a number');
  if ('method' in m) {
    if (typeof m.method !== 'string' || m.method.length === 0) return fail('"method" must be a non-empty string');
    if ('params' in m && m.params !== undefined && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params)))
      return fail('"params" must be an object');
    return { ok: true, message: m as unknown as JsonRpcMessage };
  }
  if (id === null) return fail('a response needs an "id"');
  if ('result' in m === 'error' in m) return fail('a response has exactly one of "result" or "error"');
  return { ok: true, message: m as unknown as JsonRpcMessage };
}
