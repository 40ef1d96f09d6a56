// Config fan-out at count (issue 22): one change reaches 50 live sessions, the push carries the
// snapshot (a session installs it without reading the Config DO back), and a registered session
// whose object holds nothing any more is pruned from the registry by the push. Speed is measured
// in the bench (test/bench/scale.mjs), not here.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ConfigApi } from '../../src/config/api';
import type { ConfigSnapshot } from '../../src/config/schema';
import { GatewayRuntime } from '../../src/runtime/gateway-runtime';
import { providerPool } from '../../src/runtime/providers';
import { fanOutSessions } from '../../src/runtime/session-fanout';
import { call, openSession, request } from '../helpers/rpc';

const config = () => env.CONFIG.get(env.CONFIG.idFromName('default'));
const session = (sid: string) => env.SESSION.get(env.SESSION.idFromName(`default:${sid}`));
const adminApi = (method: string, path: string, body?: unknown) =>
  call(`/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** tools/list_changed events stored for the session's GET stream (what a client replays or is sent). */
const changedCount = (sid: string) =>
  runInDurableObject(
    session(sid),
    (_o, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE data LIKE '%tools/list_changed%'`).one().n,
  );

async function until(ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('config fan-out', () => {
  it('one change reaches 50 live sessions, and sessions that are gone are pruned from the registry', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 50; i += 10) sids.push(...(await Promise.all(Array.from({ length: 10 }, () => openSession()))));
    // Each session lists once: it then holds a gateway runtime that the push must move.
    await Promise.all(sids.map((s) => request(s, 'tools/list')));
    // Two registry entries whose sessions are gone: one never existed, one ended (DELETE) whose
    // unregistration was lost (registered again here).
    const ghost = crypto.randomUUID();
    await config().registerSession(ghost, 'dev', 'legacy', true);
    const wiped = await openSession();
    expect((await call('/mcp', { method: 'DELETE', headers: { 'mcp-session-id': wiped } })).status).toBeLessThan(300);
    await config().registerSession(wiped, 'dev', 'legacy', true);
    const before = await Promise.all(sids.map(changedCount));
    const registered = new Set((await config().sessions()).map((s) => s.sessionId));
    expect(registered.has(ghost) && registered.has(wiped)).toBe(true);

    expect((await adminApi('PUT', '/servers/fanout-probe', { uri: 'https://fanout.example/mcp', enabled: false })).status).toBe(200);
    await until(async () => (await Promise.all(sids.map(changedCount))).every((n, i) => n > before[i]));
    await until(async () => !(await config().sessions()).some((s) => s.sessionId === ghost || s.sessionId === wiped));
    const left = new Set((await config().sessions()).map((s) => s.sessionId));
    for (const s of sids) expect(left.has(s)).toBe(true); // live sessions stay registered
    expect((await adminApi('DELETE', '/servers/fanout-probe')).status).toBe(200);
  });

  it('a pushed snapshot is installed without reading the Config DO back', async () => {
    const current = (await config().snapshot(0)) as ConfigSnapshot;
    let reads = 0;
    const api = () => {
      reads++;
      return config() as unknown as ConfigApi;
    };
    const rt = new GatewayRuntime(api, providerPool(env, 'default'));
    await rt.gateway(); // the first load reads once
    expect(reads).toBe(1);
    const next: ConfigSnapshot = { ...current, version: current.version + 1 };
    expect(await rt.configChanged(next.version, next)).toBe(true);
    expect(rt.version).toBe(next.version);
    // Built on next use (not during the fan-out), still without a read.
    await rt.gateway();
    expect(rt.snapshot?.version).toBe(next.version);
    expect(reads).toBe(1);
    // An older push (out of order) never moves it back.
    expect(await rt.configChanged(current.version, current)).toBe(false);
    expect(rt.version).toBe(next.version);
  });

  it('pushes run in a bounded pool and report gone and failed sessions', async () => {
    let inFlight = 0;
    let peak = 0;
    const ids = Array.from({ length: 200 }, (_, i) => `s${i}`);
    const r = await fanOutSessions(
      ids,
      async (id) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((res) => setTimeout(res, 1));
        inFlight--;
        if (id === 's7') throw new Error('unreachable');
        return id.endsWith('3') ? 'gone' : 'ok';
      },
      16,
    );
    expect(peak).toBe(16);
    expect(r.failed).toBe(1);
    expect(r.gone).toHaveLength(20);
    expect(r.delivered).toBe(179);
  });
});
