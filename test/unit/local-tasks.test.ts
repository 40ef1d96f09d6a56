import { describe, expect, it } from 'vitest';
import { LocalTasks, MAX_LOCAL_TASKS } from '../../src/mcp/local-tasks';

const never = (signal: AbortSignal) => new Promise<Record<string, unknown>>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe("edgehub's own tools as tasks", () => {
  it('completes, answers tasks/result with the related-task _meta, and refuses to cancel a finished task', async () => {
    const tasks = new LocalTasks();
    const { task } = tasks.start(async () => ({ content: [{ type: 'text', text: 'done' }] }), 5000) as {
      task: { taskId: string; status: string; ttl: number };
    };
    expect(task).toMatchObject({ status: 'working', ttl: 5000 });
    const result = await tasks.request('tasks/result', task.taskId);
    expect(result).toEqual({ content: [{ type: 'text', text: 'done' }], _meta: { 'io.modelcontextprotocol/related-task': { taskId: task.taskId } } });
    expect(await tasks.request('tasks/get', task.taskId)).toMatchObject({ status: 'completed' });
    await expect(tasks.request('tasks/cancel', task.taskId)).rejects.toThrow(/terminal status/);
  });

  it('cancelling aborts the run; the cap refuses a task beyond it while all run; ttl expires ids', async () => {
    let now = 0;
    const tasks = new LocalTasks(() => now);
    const first = (tasks.start(never, 1000) as { task: { taskId: string } }).task.taskId;
    expect(await tasks.request('tasks/cancel', first)).toMatchObject({ status: 'cancelled' });
    await expect(tasks.request('tasks/result', first)).rejects.toThrow(/cancelled/);
    for (let i = 1; i < MAX_LOCAL_TASKS; i++) tasks.start(never, 60_000);
    // At the cap, the finished (cancelled) one is dropped first, making room for one more.
    expect(tasks.list()).toHaveLength(MAX_LOCAL_TASKS - 1);
    expect(tasks.has(first)).toBe(false);
    tasks.start(never, 60_000);
    expect(() => tasks.start(never, 60_000)).toThrow(/already runs/);
    now += 61_000;
    expect(tasks.list()).toEqual([]);
    tasks.abortAll();
  });
});
