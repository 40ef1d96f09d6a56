/**
 * Server→client requests of one legacy session (sampling, elicitation, roots): each gets a fresh
 * id, waits for the client's answer (posted back as a JSON-RPC response), and ends on the answer,
 * the caller's abort, or a timeout — whichever comes first; a late or unknown answer is dropped.
 */
import { RpcError } from './errors';
import { ErrorCode, type JsonRpcMessage, type JsonRpcResponse } from './protocol';

const CLIENT_REQUEST_TIMEOUT_MS = 5 * 60_000;

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(err: Error): void;
}

export class ClientRequests {
  readonly #pending = new Map<string, Pending>();
  #nextId = 1;

  /** Sends `method` with `send` (false = nowhere to send it) and waits for the client's answer. */
  send(method: string, params: Record<string, unknown>, send: (m: JsonRpcMessage) => boolean, signal: AbortSignal): Promise<Record<string, unknown>> {
    const id = `edgehub-${this.#nextId++}`;
    const message = { jsonrpc: '2.0' as const, id, method, params };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new RpcError(ErrorCode.InternalError, `client did not answer ${method} in time`)), CLIENT_REQUEST_TIMEOUT_MS);
      const onAbort = () => done(new RpcError(ErrorCode.InternalError, `${method} cancelled`));
      const done = (err: Error | null, result?: Record<string, unknown>) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
        if (err) reject(err);
        else resolve(result ?? {});
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, { resolve: (r) => done(null, r), reject: (e) => done(e) });
      if (!send(message)) done(new RpcError(ErrorCode.InternalError, `cannot send ${method}: the client accepts no event stream`));
    });
  }

  /** The client's answer to one of our requests. */
  answer(message: JsonRpcResponse): void {
    const pending = this.#pending.get(String(message.id));
    if (!pending) return; // late or unknown answer: nothing waits for it
    if ('result' in message) pending.resolve(message.result);
    else pending.reject(new RpcError(message.error.code, message.error.message, 200, message.error.data));
  }

  /** The session ended: everything still waiting fails with `err`. */
  rejectAll(err: Error): void {
    for (const p of [...this.#pending.values()]) p.reject(err);
    this.#pending.clear();
  }
}
