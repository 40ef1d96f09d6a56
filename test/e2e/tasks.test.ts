// MCP 2025-11-25 tasks through edgehub's legacy lane, with the official SDK 1.x client's task API
// against server-everything's task tool (`simulate-research-query`, taskSupport "required"),
// behind a recording proxy so the upstream's own task ids are visible: the client only ever sees
// edgehub's ids, every tasks/* request reaches the owning upstream with its id, status
// notifications come back mapped, and another session cannot address the task.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startEverything } from '../helpers/procs';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';

const base = () => inject('edgehubUrl');
let ev: Proc;
let proxy: RecordingProxy;

async function connect() {
  const client = new Client({ name: 'tasks-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  return client;
}

beforeAll(async () => {
  ev = await startEverything();
  proxy = await startRecordingProxy(ev.url);
  await mount(base(), 'tk', { uri: `${proxy.url}/mcp`, prefix: 'tk' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/tk');
  await proxy?.close();
  await ev?.stop();
});

const upstreamTaskIds = (method: string) => proxy.seen.filter((s) => s.body?.method === method).map((s) => s.body.params.taskId as string);

describe('tasks (2025-11-25) through edgehub', () => {
  it('advertises tasks, forwards a task-augmented call and routes get / list / result to the owner, with mapped ids', async () => {
    const client = await connect();
    expect(client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const statuses: { taskId: string; status: string }[] = [];
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push({ taskId: n.params.taskId, status: n.params.status });
    });

    const seen: string[] = [];
    let taskId = '';
    let result: any;
    for await (const m of client.experimental.tasks.callToolStream(
      { name: 'tk_simulate-research-query', arguments: { topic: 'edge gateways' } },
      CallToolResultSchema,
      {
        task: { ttl: 60_000 },
      },
    )) {
      seen.push(m.type);
      if (m.type === 'taskCreated') taskId = m.task.taskId;
      if (m.type === 'result') result = m.result;
      if (m.type === 'error') throw m.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(seen.at(-1)).toBe('result');
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(result.content)).toContain('Research Report: edge gateways');

    // The upstream was asked with its own id, never edgehub's.
    const upstreamIds = new Set([...upstreamTaskIds('tasks/get'), ...upstreamTaskIds('tasks/result')]);
    expect(upstreamIds.size).toBe(1);
    const [upstreamId] = upstreamIds;
    expect(upstreamId).not.toBe(taskId);
    const create = proxy.seen.find((s) => s.body?.method === 'tools/call' && s.body.params.name === 'simulate-research-query')!;
    expect(create.body.params.task).toEqual({ ttl: 60_000 });

    const got = await client.experimental.tasks.getTask(taskId);
    expect(got).toMatchObject({ taskId, status: 'completed' });
    const listed = await client.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(taskId);
    expect(JSON.stringify(listed)).not.toContain(upstreamId);
    const again = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(JSON.stringify(again.content)).toContain('Research Report');

    // Status notifications name edgehub's id.
    const deadline = Date.now() + 5000;
    while (!statuses.some((s) => s.status === 'completed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s.taskId === taskId)).toBe(true);
    await client.close();
  });

  it('cancels through the owner; unknown ids and other sessions get -32602', async () => {
    const client = await connect();
    const created = (await client.request(
      { method: 'tools/call', params: { name: 'tk_simulate-research-query', arguments: { topic: 'slow' }, task: { ttl: 60_000 } } },
      (
        await import('@modelcontextprotocol/sdk/types.js')
      ).CreateTaskResultSchema,
    )) as { task: { taskId: string; status: string } };
    const id = created.task.taskId;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const cancelled = await client.experimental.tasks.cancelTask(id);
    expect(cancelled).toMatchObject({ taskId: id, status: 'cancelled' });
    expect((await client.experimental.tasks.getTask(id)).status).toBe('cancelled');
    expect(upstreamTaskIds('tasks/cancel').at(-1)).not.toBe(id);

    await expect(client.experimental.tasks.getTask('0'.repeat(32))).rejects.toThrow(/Task not found/);
    const other = await connect();
    await expect(other.experimental.tasks.getTask(id)).rejects.toMatchObject({ code: -32602 });
    expect((await other.experimental.tasks.listTasks()).tasks).toEqual([]);
    await Promise.all([client.close(), other.close()]);
  });
});
