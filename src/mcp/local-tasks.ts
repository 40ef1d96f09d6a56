/**
 * edgehub's own tools as MCP 2025-11-25 tasks (legacy lane): a task-augmented call of a built-in
 * tool (hub_check, git_clone, git_push, …) runs in the session's Durable Object in the background;
 * the client polls `tasks/get`, waits on `tasks/result`, or `tasks/cancel`s it (its signal aborts).
 *
 * Bounds: at most MAX_LOCAL_TASKS per session (finished ones are dropped first; when all are
 * running, a new task is refused), each kept for its `ttl` (at most MAX_LOCAL_TTL_MS). Held in
 * memory: a task does not survive the Durable Object's eviction (its id then answers -32602), which
 * is why only the session that started it can see it and the ttl is short.
 */
import { RpcError } from './errors';
import { ErrorCode } from './protocol';

type Json = Record<string, unknown>;

export const MAX_LOCAL_TASKS = 100;
export const MAX_LOCAL_TTL_MS = 3600_000;
const POLL_MS = 1000;
const RELATED = 'io.modelcontextprotocol/related-task';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface LocalTask {
  task: Json & { taskId: string; status: string };
  done: Promise<void>;
  result?: Json;
  error?: RpcError;
  ac: AbortController;
  expires: number;
}

export class LocalTasks {
  #tasks = new Map<string, LocalTask>();

  constructor(private readonly now: () => number = Date.now) {}

  has(id: string): boolean {
    return this.#live(id) !== undefined;
  }

  /** Starts `run` in the background; returns the CreateTaskResult (with this runner's id). */
  start(run: (signal: AbortSignal) => Promise<Json>, ttl: unknown): Json {
    this.#trim();
    if (this.#tasks.size >= MAX_LOCAL_TASKS)
      throw new RpcError(ErrorCode.InvalidRequest, `this session already runs ${MAX_LOCAL_TASKS} tasks; wait for one to finish or cancel one`);
    const ttlMs = typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? Math.min(ttl, MAX_LOCAL_TTL_MS) : MAX_LOCAL_TTL_MS;
    const at = new Date(this.now()).toISOString();
    const taskId = crypto.randomUUID();
    const ac = new AbortController();
    const entry: LocalTask = {
      task: { taskId, status: 'working', createdAt: at, lastUpdatedAt: at, ttl: ttlMs, pollInterval: POLL_MS },
      ac,
      expires: this.now() + ttlMs,
      done: Promise.resolve(),
    };
    const settle = (status: string, fields: Json = {}) => {
      if (TERMINAL.has(entry.task.status)) return;
      entry.task = { ...entry.task, ...fields, status, lastUpdatedAt: new Date(this.now()).toISOString() };
    };
    entry.done = run(ac.signal).then(
      (r) => {
        entry.result = r;
        settle(r.isError === true ? 'failed' : 'completed');
      },
      (e) => {
        entry.error = e instanceof RpcError ? e : new RpcError(ErrorCode.InternalError, e instanceof Error ? e.message : String(e));
        settle(ac.signal.aborted ? 'cancelled' : 'failed', { statusMessage: entry.error.message });
      },
    );
    this.#tasks.set(taskId, entry);
    return { task: entry.task };
  }

  /** tasks/get | tasks/result | tasks/cancel for one of this runner's tasks. */
  async request(method: string, id: string): Promise<Json> {
    const t = this.#live(id);
    if (!t) throw new RpcError(ErrorCode.InvalidParams, `Task not found: ${id}`, 200, { taskId: id });
    if (method === 'tasks/get') return { ...t.task };
    if (method === 'tasks/cancel') {
      if (TERMINAL.has(t.task.status)) throw new RpcError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${t.task.status}`);
      t.ac.abort(new Error('task cancelled by the client'));
      t.task = { ...t.task, status: 'cancelled', statusMessage: 'Client cancelled task execution.', lastUpdatedAt: new Date(this.now()).toISOString() };
      return { ...t.task };
    }
    // tasks/result: waits for the end, then answers what the call would have.
    await t.done;
    if (t.task.status === 'cancelled') throw new RpcError(ErrorCode.InvalidParams, `Task ${id} was cancelled`);
    if (t.error) throw t.error;
    const result = t.result ?? {};
    return { ...result, _meta: { ...(result._meta as Json | undefined), [RELATED]: { taskId: id } } };
  }

  /** The session ended: running tasks stop. */
  abortAll(): void {
    for (const t of this.#tasks.values()) t.ac.abort(new Error('session terminated'));
    this.#tasks.clear();
  }

  list(): Json[] {
    this.#trim();
    return [...this.#tasks.values()].map((t) => ({ ...t.task }));
  }

  #live(id: string): LocalTask | undefined {
    const t = this.#tasks.get(id);
    if (t && t.expires < this.now()) {
      this.#tasks.delete(id);
      return undefined;
    }
    return t;
  }

  /** Drops expired tasks, then finished ones (oldest first) while at the cap. */
  #trim(): void {
    const now = this.now();
    for (const [id, t] of this.#tasks) if (t.expires < now) this.#tasks.delete(id);
    if (this.#tasks.size < MAX_LOCAL_TASKS) return;
    for (const [id, t] of this.#tasks) {
      if (this.#tasks.size < MAX_LOCAL_TASKS) break;
      if (TERMINAL.has(t.task.status)) this.#tasks.delete(id);
    }
  }
}
