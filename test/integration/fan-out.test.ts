// Config fan-out at count (issue 22): one change reaches 50 live sessions, the push carries the
// snapshot (a session installs it without reading the Config DO back), and a registered session
// whose object holds nothing any more is pruned from the registry by the push. Speed is measured
// in the bench (test/bench/scale.mjs), not here.

import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ConfigApi } from '../../src/config/api';
import type { ConfigSnapshot } from '../../src/config/schema';
import { SessionStore } from '../../src/mcp/session-store';
import { GatewayRuntime } from '../../src/runtime/gateway-runtime';
import { providerPool } from '../../src/runtime/providers';
import { fanOutSessions } from '../../src/runtime/session-fanout';
import { call, openSession, parseSse, request } from '../helpers/rpc';
import { textReader } from '../helpers/text-stream';

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
    const current = (await config().snapshot(0)) as unknown as ConfigSnapshot;
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

const HINTS = ['notifications/tools/list_changed', 'notifications/resources/list_changed', 'notifications/prompts/list_changed'];
const storedEvents = (sid: string) =>
  runInDurableObject(session(sid), (_o, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM events`).one().n);

/** Opens the session's GET stream and reads it until `until` shows up (or it ends); then closes it. */
async function readGet(sid: string, until: string, lastEventId?: string) {
  const ac = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', 'mcp-session-id': sid };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const r = await call('/mcp', { method: 'GET', signal: ac.signal, headers });
  expect(r.status).toBe(200);
  const reader = textReader(r.body!);
  return {
    async events(act?: () => Promise<unknown>) {
      await act?.();
      const text = await reader.until(until);
      ac.abort();
      return parseSse(text);
    },
  };
}

// With a GET stream open, list_changed is a hint written without an id and not stored: a config
// change then costs a session no storage commit, which set the fan-out's pace (docs/capacity.md).
describe('list_changed hints on open GET streams', () => {
  it('a push writes the three hints to the open stream and stores nothing; the next stream repeats them', async () => {
    const sid = await openSession();
    await request(sid, 'tools/list');
    const stream = await readGet(sid, 'prompts/list_changed');
    const stored = await storedEvents(sid);
    const events = await stream.events(async () => {
      expect((await adminApi('PUT', '/servers/hint-probe', { uri: 'https://hint.example/mcp', enabled: false })).status).toBe(200);
    });
    expect(events.map((e) => JSON.parse(e.data).method)).toEqual(HINTS);
    expect(events.map((e) => e.id)).toEqual([undefined, undefined, undefined]);
    expect(await storedEvents(sid)).toBe(stored);
    // The connection may have dropped them: the next stream of the session repeats the kinds hinted.
    const again = await (await readGet(sid, 'prompts/list_changed')).events();
    expect(again.map((e) => JSON.parse(e.data).method)).toEqual(HINTS);
    expect((await adminApi('DELETE', '/servers/hint-probe')).status).toBe(200);
  });

  it('with no stream open the hints are stored and replayed after Last-Event-ID', async () => {
    const sid = await openSession();
    await request(sid, 'tools/list');
    const [mark] = await runInDurableObject(session(sid), (_o, state) => [
      new SessionStore(state.storage).appendEvent('get', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'mark' } })),
    ]);
    expect((await adminApi('PUT', '/servers/hint-probe2', { uri: 'https://hint.example/mcp', enabled: false })).status).toBe(200);
    await until(async () => (await changedCount(sid)) > 0);
    const events = await (await readGet(sid, 'prompts/list_changed', mark)).events();
    const replayed = events.filter((e) => e.id !== undefined);
    expect(replayed.map((e) => JSON.parse(e.data).method)).toEqual(HINTS);
    expect(replayed.every((e) => Number(e.id) > Number(mark))).toBe(true);
    expect((await adminApi('DELETE', '/servers/hint-probe2')).status).toBe(200);
  });

  it('a resume this object cannot vouch for (it restarted since) repeats all three hints', async () => {
    const sid = await openSession();
    const [mark] = await runInDurableObject(session(sid), (_o, state) => [
      new SessionStore(state.storage).appendEvent('get', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'mark' } })),
    ]);
    await evictDurableObject(session(sid));
    const events = await (await readGet(sid, 'prompts/list_changed', mark)).events();
    expect(events.map((e) => [e.id, JSON.parse(e.data).method])).toEqual(HINTS.map((m) => [undefined, m]));
  });

  it('a plain GET (no Last-Event-ID) to an object that restarted since the last stream repeats all three', async () => {
    const sid = await openSession();
    // As an earlier object leaves it after the session's first GET stream (set here directly: an
    // aborted stream is noticed only at its next write, and the object cannot be evicted before).
    await runInDurableObject(session(sid), (_o, state) => {
      const store = new SessionStore(state.storage);
      store.save({ ...store.load()!, streamed: true });
    });
    await evictDurableObject(session(sid));
    const events = await (await readGet(sid, 'prompts/list_changed')).events();
    expect(events.map((e) => JSON.parse(e.data).method)).toEqual(HINTS);
  });

  it("a session's first GET stream carries no hints, and marks the session as one that streamed", async () => {
    const sid = await openSession();
    const first = await readGet(sid, 'stream open');
    expect(await first.events()).toEqual([]);
    expect(await runInDurableObject(session(sid), (_o, state) => new SessionStore(state.storage).load()?.streamed)).toBe(true);
  });
});

// A session whose GET stream is open watches the config over one stream from the Config DO
// (src/runtime/config-watch.ts): a change is a line on that stream, not an RPC push.
describe('config watches', () => {
  const watches = async () => Number(/edgehub_config_watches (\d+)/.exec(await config().metrics())?.[1]);

  it('a GET stream opens a watch and its close ends it', async () => {
    const sid = await openSession();
    await request(sid, 'tools/list');
    const before = await watches();
    const ac = new AbortController();
    const r = await call('/mcp', { method: 'GET', signal: ac.signal, headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
    expect(r.status).toBe(200);
    await until(async () => (await watches()) === before + 1);
    ac.abort();
    await until(async () => (await watches()) === before);
  });

  it('a watched session gets the change on its watch and no RPC push; unregistered ids get no watch', async () => {
    expect(await config().watchConfig(crypto.randomUUID().replace(/-/g, ''), 0)).toBeNull();
    const sid = await openSession();
    await request(sid, 'tools/list');
    const known = ((await config().snapshot(0)) as unknown as ConfigSnapshot).version;
    // This test holds the session's watch itself: what the Config DO writes there is what the
    // session would read, and the session object (no stream open) sees no push at all.
    const reader = textReader((await config().watchConfig(sid, known))!);
    const stored = await changedCount(sid);
    expect((await adminApi('PUT', '/servers/watch-probe', { uri: 'https://watch.example/mcp', enabled: false })).status).toBe(200);
    const text = await reader.until('\n');
    const [version, snapshot] = text.slice(0, text.indexOf('\n')).split('\t');
    expect(Number(version)).toBe(known + 1);
    expect((JSON.parse(snapshot) as ConfigSnapshot).config.servers['watch-probe']).toBeDefined();
    await new Promise((res) => setTimeout(res, 300));
    expect(await changedCount(sid)).toBe(stored);
    // The session ends its watch (its last GET stream closed): it is pushed to by RPC again.
    await config().unwatchConfig(sid, 0);
    await reader.cancel();
    expect((await adminApi('DELETE', '/servers/watch-probe')).status).toBe(200);
    await until(async () => (await changedCount(sid)) > stored);
  });

  it('a watch asked for with an older version gets the current snapshot at once', async () => {
    const sid = await openSession();
    const known = ((await config().snapshot(0)) as unknown as ConfigSnapshot).version;
    const reader = (await config().watchConfig(sid, known - 1))!.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    expect(Number(value?.split('\t')[0])).toBe(known);
    await reader.cancel();
  });
});
