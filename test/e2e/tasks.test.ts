// MCP 2025-11-25 tasks through edgehub's legacy lane, with the official SDK 1.x client's task API
// against server-everything's task tool (`simulate-research-query`, taskSupport "required"),
// behind a recording proxy so the upstream's own task ids are visible: the client only ever sees
// edgehub's ids, every tasks/* request reaches the owning upstream with its id, status
// notifications come back mapped, and another session cannot address the task.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema, TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startEverything, startFixture } from '../helpers/procs';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';

const base = () => inject('edgehubUrl');
let ev: Proc;
let proxy: RecordingProxy;
let fixture: Proc;

async function connect() {
  const client = new Client({ name: 'tasks-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  return client;
}

beforeAll(async () => {
  ev = await startEverything();
  proxy = await startRecordingProxy(ev.url);
  await mount(base(), 'tk', { uri: `${proxy.url}/mcp`, prefix: 'tk' });
  fixture = await startFixture('tasks-2026');
  await mount(base(), 'tkx', { uri: `${fixture.url}/mcp`, prefix: 'tkx' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/tk');
  await admin(base(), 'DELETE', '/servers/tkx');
  await proxy?.close();
  await Promise.all([ev?.stop(), fixture?.stop()]);
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

  it("a task's input request (elicitation through tasks/result) reaches the client naming the client's task id", async () => {
    const client = new Client({ name: 'tasks-e2e-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params._meta?.['io.modelcontextprotocol/related-task']);
      return { action: 'accept', content: { interpretation: 'edge computing' } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    let taskId = '';
    let result: any;
    for await (const m of client.experimental.tasks.callToolStream(
      { name: 'tk_simulate-research-query', arguments: { topic: 'edge', ambiguous: true } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    )) {
      if (m.type === 'taskCreated') taskId = m.task.taskId;
      if (m.type === 'result') result = m.result;
      if (m.type === 'error') throw m.error;
    }
    expect(asked).toEqual([{ taskId }]);
    expect(JSON.stringify(result.content)).toContain('edge computing');
    await client.close();
  });

  it("edgehub's own tools run as tasks when asked (hub_check, in the session)", async () => {
    const client = await connect();
    const direct = await client.callTool({ name: 'hub_check', arguments: { action: 'report' } });
    let taskId = '';
    let result: any;
    const seen: string[] = [];
    for await (const m of client.experimental.tasks.callToolStream({ name: 'hub_check', arguments: { action: 'report' } }, CallToolResultSchema, {
      task: { ttl: 30_000 },
    })) {
      seen.push(m.type);
      if (m.type === 'taskCreated') taskId = m.task.taskId;
      if (m.type === 'result') result = m.result;
      if (m.type === 'error') throw m.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(result.structuredContent ?? {})).toEqual(Object.keys((direct.structuredContent as object) ?? {}));
    expect(JSON.stringify(result.content)).toContain('tk');
    expect(result._meta['io.modelcontextprotocol/related-task']).toEqual({ taskId });
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ taskId, status: 'completed' });
    expect((await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(taskId);
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/terminal status/);
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

// The SDK v2 client does not implement the tasks extension (it refuses `resultType: "task"`), so
// this part speaks the 2026 wire directly; the conformance suite's tasks-* scenarios (its own
// client) run through edgehub in test/e2e/conformance.test.ts.
describe('tasks extension (2026-07-28) through edgehub, on the wire', () => {
  const EXT = 'io.modelcontextprotocol/tasks';
  let n = 0;
  async function call(method: string, params: Record<string, unknown>, withExtension = true) {
    const name = (params.name ?? params.taskId) as string | undefined;
    const r = await fetch(`${base()}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(name && method !== 'tasks/list' ? { 'mcp-name': name } : {}),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++n,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': withExtension ? { extensions: { [EXT]: {} } } : {},
          },
        },
      }),
    });
    const body = (await r.json()) as any;
    return { status: r.status, result: body.result, error: body.error };
  }

  it('advertises the extension, creates a task on a prefixed upstream, routes get / cancel by an id that names its server', async () => {
    const discover = await call('server/discover', {});
    expect(discover.result.capabilities.extensions).toEqual({ [EXT]: {} });
    expect(discover.result.capabilities.tasks).toBeUndefined();

    const created = (await call('tools/call', { name: 'tkx_slow_compute', arguments: { seconds: 1, label: 'edge' } })).result;
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    expect(created.taskId).toMatch(/^t1\.[0-9a-f]+\.[0-9a-f]{8}\.[0-9a-f]+$/);
    let got: any;
    for (let i = 0; i < 50; i++) {
      got = (await call('tasks/get', { taskId: created.taskId })).result;
      if (got.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got).toMatchObject({ taskId: created.taskId, status: 'completed', result: { content: [{ type: 'text', text: 'computed edge' }] } });

    const long = (await call('tools/call', { name: 'tkx_slow_compute', arguments: { seconds: 60 } })).result;
    expect((await call('tasks/cancel', { taskId: long.taskId })).result).toMatchObject({ resultType: 'complete' });
    expect((await call('tasks/get', { taskId: long.taskId })).result.status).toBe('cancelled');
    expect((await call('tasks/get', { taskId: 't1.00.00000000.00' })).error.code).toBe(-32602);
    expect(await call('tasks/list', {})).toMatchObject({ status: 404, error: { code: -32601 } });

    // Without the extension: tasks/* are -32021 (HTTP 400), and a task-supporting tool runs synchronously.
    expect(await call('tasks/get', { taskId: created.taskId }, false)).toMatchObject({ status: 400, error: { code: -32021 } });
    const sync = (await call('tools/call', { name: 'tkx_slow_compute', arguments: { seconds: 0, label: 'now' } }, false)).result;
    expect(sync).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'computed now' }] });
    // A 2025 session does not know a 2026 id.
    const legacy = await connect();
    await expect(legacy.experimental.tasks.getTask(created.taskId)).rejects.toMatchObject({ code: -32602 });
    await legacy.close();
  });
});
