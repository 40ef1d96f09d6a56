/**
 * Tasks through the gateway: MCP 2025-11-25 tasks (legacy lane) and the 2026-07-28 tasks
 * extension `io.modelcontextprotocol/tasks` (modern lane, SEP-2663).
 *
 * - A task-augmented `tools/call` (`params.task`) is forwarded as is; when the upstream answers with
 *   a `CreateTaskResult`, its task id is replaced by the session's own id (mcp/task-map.ts), which
 *   remembers the owning server for the task's `ttl`.
 * - `tasks/get`, `tasks/result`, `tasks/cancel` go to the server that owns the task, with its own id,
 *   and come back with the client's id (the task's `taskId`, and the `related-task` `_meta` of a
 *   `tasks/result`). An id this session does not know (or whose ttl passed) is -32602.
 * - `tasks/list` asks each server that owns tasks of this session and lists the ones this session
 *   knows (an upstream session is per edgehub session, so it sees no one else's anyway).
 * - `notifications/tasks/status` from an upstream reaches the client with its id (SessionRuntime).
 * - 2026: the upstream decides (the caller's envelope, extensions included, is forwarded) and answers
 *   a flat CreateTaskResult (`resultType: "task"`, `taskId` at the top); ids are stateless
 *   (StatelessTaskIds: they name their server); `tasks/get|update|cancel` need the caller to declare
 *   the extension (-32021 otherwise), `tasks/result` and `tasks/list` do not exist (-32601).
 */
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import { TASKS_EXTENSION, type TaskMap } from '../mcp/task-map';
import type { Json, Provider } from './provider';

/** tasks/* methods per lane. */
export const LEGACY_TASK_METHODS = new Set(['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/list']);
export const MODERN_TASK_METHODS = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);
const RELATED = 'io.modelcontextprotocol/related-task';
const MAX_LIST_PAGES = 20;

function withId<T extends Json>(o: T, id: string): T {
  return { ...o, taskId: id };
}

/**
 * edgehub's own tools (providers that forward no tasks: hub, git) run as a task in the session when
 * a legacy-lane call asks for one (mcp/local-tasks.ts); null when the call is not such a request.
 */
export function startLocalTask(ctx: RequestContext, provider: Provider, name: string, args: Json): Json | null {
  const task = ctx.params?.task;
  if (ctx.lane !== 'legacy' || !ctx.localTasks || !task || typeof task !== 'object' || provider.taskRequest) return null;
  const created = ctx.localTasks.start(
    (signal) =>
      provider.callTool(
        {
          ...ctx,
          signal,
          progressToken: undefined,
          notify: () => {}, // the request that started it has ended
          request: (method) => Promise.reject(new RpcError(ErrorCode.InvalidRequest, `a background task cannot ask the client (${method})`)),
        },
        name,
        args,
      ),
    (task as Json).ttl,
  );
  return adoptCreatedTask(ctx, provider.name, created);
}

/** Replaces the upstream's task id in a CreateTaskResult; other results pass unchanged. */
export function adoptCreatedTask(ctx: RequestContext, server: string, result: Json): Json {
  if (ctx.tasks && result.resultType === 'task' && typeof result.taskId === 'string')
    return withId(result, ctx.tasks.add(server, result.taskId, result.ttlMs as number | null | undefined)); // 2026: flat
  const task = result.task as Json | undefined;
  if (!ctx.tasks || !task || typeof task !== 'object' || typeof task.taskId !== 'string') return result;
  const id = ctx.tasks.add(server, task.taskId, task.ttl as number | null | undefined);
  return { ...result, task: withId(task, id) };
}

function notFound(id: unknown): RpcError {
  return new RpcError(ErrorCode.InvalidParams, `Task not found: ${String(id)}`, 200, { taskId: id });
}

/** Rewrites ids in a tasks/* result from the upstream's to the client's. */
function toClient(result: Json, id: string, upstreamId: string): Json {
  let out = result;
  if (out.taskId === upstreamId) out = withId(out, id);
  const meta = out._meta as Json | undefined;
  const related = meta?.[RELATED] as Json | undefined;
  if (related?.taskId === upstreamId) out = { ...out, _meta: { ...meta, [RELATED]: { ...related, taskId: id } } };
  return out;
}

export async function forwardTaskRequest(
  ctx: RequestContext,
  method: string,
  params: Json,
  providerOf: (server: string) => Provider | undefined,
  linkExposer: (server: string) => ((r: Json) => Json) | null,
): Promise<Json> {
  const tasks: TaskMap | undefined = ctx.tasks;
  if (!tasks) throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`, 404);
  // SEP-2663: the tasks surface is gated on the caller's declared extension (per request on 2026).
  const extensions = ctx.clientCapabilities.extensions as Json | undefined;
  if (ctx.lane === 'modern' && !extensions?.[TASKS_EXTENSION])
    throw new RpcError(ErrorCode.MissingClientCapability, `${method} needs the client to declare the ${TASKS_EXTENSION} extension`, 400, {
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    });
  if (method === 'tasks/list') return listTasks(ctx, tasks, providerOf);
  const ref = typeof params.taskId === 'string' ? tasks.get(params.taskId) : null;
  if (!ref) throw notFound(params.taskId);
  const provider = providerOf(ref.server);
  if (provider && !provider.taskRequest) {
    // edgehub's own tool: a task of this session's runner (gone after the object's eviction).
    if (!ctx.localTasks?.has(ref.upstream)) throw notFound(params.taskId);
    return toClient(await ctx.localTasks.request(method, ref.upstream), ref.id, ref.upstream);
  }
  if (!provider?.taskRequest)
    throw new RpcError(ErrorCode.InvalidParams, `Task ${ref.id}: its server ${ref.server} is no longer mounted`, 200, { taskId: ref.id });
  const result = toClient(await provider.taskRequest(ctx, method, { ...params, taskId: ref.upstream }), ref.id, ref.upstream);
  const expose = linkExposer(ref.server);
  if (!expose) return result;
  if (method === 'tasks/result') return expose(result);
  // 2026 tasks/get inlines the tool result.
  return result.result && typeof result.result === 'object' ? { ...result, result: expose(result.result as Json) } : result;
}

async function listTasks(ctx: RequestContext, tasks: TaskMap, providerOf: (server: string) => Provider | undefined): Promise<Json> {
  const known = tasks.all();
  const servers = [...new Set(known.map((t) => t.server))];
  const out: Json[] = [];
  await Promise.all(
    servers.map(async (server) => {
      const provider = providerOf(server);
      if (provider && !provider.taskRequest) {
        for (const t of ctx.localTasks?.list() ?? []) {
          const id = tasks.idFor(server, t.taskId as string);
          if (id) out.push(withId(t, id));
        }
        return;
      }
      if (!provider?.taskRequest) return;
      let cursor: string | undefined;
      for (let i = 0; i < MAX_LIST_PAGES; i++) {
        const page = await provider.taskRequest(ctx, 'tasks/list', cursor ? { cursor } : {}).catch(() => ({}) as Json);
        for (const t of (page.tasks as Json[] | undefined) ?? []) {
          const id = typeof t.taskId === 'string' ? tasks.idFor(server, t.taskId) : null;
          if (id) out.push(withId(t, id));
        }
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
        if (!cursor) break;
      }
    }),
  );
  return { tasks: out };
}

/** A server→client request tied to a task (`_meta` related-task) names the client's id for it. */
export function relatedTaskToClient(tasks: TaskMap | undefined, server: string, params: Json): Json {
  const meta = params._meta as Json | undefined;
  const related = meta?.[RELATED] as Json | undefined;
  if (!tasks || typeof related?.taskId !== 'string') return params;
  const id = tasks.idFor(server, related.taskId);
  return id ? { ...params, _meta: { ...meta, [RELATED]: { ...related, taskId: id } } } : params;
}

/** A task-augmented call (legacy lane, MCP 2025-11-25) keeps its `task` params for the upstream. */
export function withTaskParams(ctx: RequestContext, params: Json): Json {
  const task = ctx.lane === 'legacy' ? ctx.params?.task : undefined;
  return task && typeof task === 'object' ? { ...params, task } : params;
}
