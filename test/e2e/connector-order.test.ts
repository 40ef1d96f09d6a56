// Order and ends through a connector, on the path a legacy session takes (its own channel to the
// connector; the relay path's ordering through the ConnectorDO is test/unit/connector-sessions.test.ts):
// the real CLI as a connector of the shared dev-open instance runs a raw stdio server
// (test/fixtures/burst-server.mjs) that writes a call's progress and its result in one write. Every progress notification must reach the client
// before the result (the SDK drops progress that arrives after it), over several calls at once; a
// cancelled call reaches the child and the session goes on; and a kill -9 of the connector fails a
// call still in flight at once, with an error naming the connector, not after the call timeout.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { pollUntil } from '../helpers/poll.mjs';
import { relayClient } from '../helpers/relay-client';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
const CLI = join(ROOT, 'src', 'cli', 'edgehub.mjs');
const BURST = join(ROOT, 'test', 'fixtures', 'burst-server.mjs');
const NAME = 'e2e-order';
let connector: { proc: ChildProcess; output: () => string } | null = null;

function startConnector() {
  const proc = spawn(process.execPath, [CLI, 'connect', '--name', NAME], {
    cwd: ROOT,
    env: { ...process.env, EDGEHUB_URL: base(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  connector = { proc, output: () => out };
}

async function killConnector() {
  const c = connector;
  connector = null;
  if (!c || c.proc.exitCode !== null) return;
  await new Promise<void>((res) => {
    c.proc.once('exit', () => res());
    c.proc.kill('SIGKILL');
  });
}

const until = <T>(what: string, f: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> =>
  pollUntil(what, f, { ms, context: () => `connector output:\n${connector?.output().slice(-2000) ?? ''}` });

async function viaEdge(): Promise<Client> {
  const c = relayClient('e2e-order');
  await c.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
  await until('burst tools', async () => (await c.listTools()).tools.some((t) => t.name === 'bst_burst'));
  return c;
}

beforeAll(async () => {
  // A call timeout far beyond the test's: only the connector's going away can end `hang` in time.
  await mount(base(), 'bst', { command: process.execPath, args: [BURST], prefix: 'bst', transport: { connector: NAME, call_timeout_ms: 600_000 } });
  startConnector();
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/bst');
  await killConnector();
});

describe('a connector-served call: order, cancellation, and the connector going away', () => {
  it('every progress notification arrives before its result, over concurrent calls', async () => {
    const gw = await viaEdge();
    const calls = Array.from({ length: 4 }, async (_, k) => {
      const seen: number[] = [];
      const count = 50 + k;
      const r = await gw.callTool({ name: 'bst_burst', arguments: { count } }, undefined, { onprogress: (p) => seen.push(p.progress) });
      // Read at the moment the result arrived: anything later was dropped by the SDK.
      return { count, seen: [...seen], text: (r.content as { text: string }[])[0].text };
    });
    for (const { count, seen, text } of await Promise.all(calls)) {
      expect(text).toBe(`burst of ${count}`);
      expect(seen).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
    // A call without a progress token: the result alone, through the same path.
    const plain = await gw.callTool({ name: 'bst_burst', arguments: { count: 3 } });
    expect((plain.content as { text: string }[])[0].text).toBe('burst of 3');
    await gw.close();
  });

  it('a cancelled call reaches the child as notifications/cancelled, and the session goes on', async () => {
    const gw = await viaEdge();
    const abort = new AbortController();
    const call = gw.callTool({ name: 'bst_hang', arguments: {} }, undefined, { signal: abort.signal, onprogress: () => abort.abort('changed my mind') });
    await expect(call).rejects.toThrow(/changed my mind/);
    const seen = await until('the cancellation at the child', async () => {
      const r = await gw.callTool({ name: 'bst_cancelled', arguments: {} });
      const ids = JSON.parse((r.content as { text: string }[])[0].text) as unknown[];
      return ids.length > 0 && ids;
    });
    expect(seen).toHaveLength(1);
    const after = await gw.callTool({ name: 'bst_burst', arguments: { count: 1 } });
    expect((after.content as { text: string }[])[0].text).toBe('burst of 1');
    await gw.close();
  });

  it('kill -9 of the connector fails an in-flight call at once with an error naming the connector', async () => {
    const gw = await viaEdge();
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const t0 = Date.now();
    // The gateway reports an upstream's failure as the tool's error result.
    const call = gw.callTool({ name: 'bst_hang', arguments: {} }, undefined, { timeout: 600_000, onprogress: () => started() }).then(
      (r) => (r.isError ? (r.content as { text: string }[])[0].text : `answered: ${JSON.stringify(r)}`),
      (e: unknown) => `rejected: ${(e as Error).message}`,
    );
    await inFlight; // the child has the request
    await killConnector();
    // Whichever the edge notices first: the connector's link or the session's own channel closing.
    expect(await call).toMatch(new RegExp(`^bst: upstream bst failed: connector ${NAME} (went offline|dropped this session's channel) \\(closed`));
    // Far below the call timeout (10 minutes): the socket's close, not a timer, ended it.
    expect(Date.now() - t0).toBeLessThan(30_000);
    // The server is `waiting` afterwards, and comes back with its connector.
    startConnector();
    const again = await until('burst after the restart', async () => {
      const r = await gw.callTool({ name: 'bst_burst', arguments: { count: 2 } }).catch(() => null);
      return r && !r.isError && r;
    });
    expect((again!.content as { text: string }[])[0].text).toBe('burst of 2');
    await gw.close();
  });
});
