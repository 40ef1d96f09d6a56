// Session storage is bounded and expires: idle sessions end on their alarm and leave no rows;
// 10,000 notifications leave the event store under its cap; Last-Event-ID replays a stream.

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EVENT_CAP, SessionStore } from '../../src/mcp/session-store';
import { call, openSession, parseSse, post, request } from '../helpers/rpc';
import { textReader } from '../helpers/text-stream';

const stubOf = (sid: string) => env.SESSION.get(env.SESSION.idFromName(`default:${sid}`));

describe('idle expiry', () => {
  it('an idle session is ended by its alarm: 404 afterwards and no storage left', async () => {
    const sid = await openSession();
    const stub = stubOf(sid);
    // Pretend the session was last seen two days ago.
    await runInDurableObject(stub, (_o, state) => {
      const row = state.storage.sql.exec<{ v: string }>(`SELECT v FROM session WHERE k = 'state'`).one();
      const s = JSON.parse(row.v);
      s.lastSeenAt -= 2 * 86_400_000;
      state.storage.sql.exec(`UPDATE session SET v = ? WHERE k = 'state'`, JSON.stringify(s));
    });
    await evictDurableObject(stub); // idle sessions are evicted long before they expire
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sid });
    expect(r.status).toBe(404);
    const left = await runInDurableObject(stub, (_o, state) =>
      state.storage.sql
        .exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'sqlite_sequence'`)
        .toArray(),
    );
    expect(left).toEqual([]);
    const sessions = await env.CONFIG.get(env.CONFIG.idFromName('default')).sessions();
    expect(sessions.map((s) => s.sessionId)).not.toContain(sid);
  });

  it('an active session survives its alarm (re-armed for later)', async () => {
    const sid = await openSession();
    const stub = stubOf(sid);
    // The expiry alarm is armed at lastSeen + TTL; running it early must not end the session.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await request(sid, 'ping')).result).toEqual({});
    expect(await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 3600_000);
  });
});

describe('bounded state', () => {
  it('10,000 events appended to one session stay under the event cap at every step', async () => {
    const sid = await openSession();
    const { max, last, newest } = await runInDurableObject(stubOf(sid), (_o, state) => {
      const store = new SessionStore(state.storage);
      let max = 0;
      let newest = '';
      for (let i = 0; i < 10_000; i++) {
        newest = store.appendEvent('get', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { i } }));
        if (i % 500 === 0) max = Math.max(max, store.eventCount());
      }
      return { max, last: store.eventCount(), newest };
    });
    expect(max).toBeLessThanOrEqual(EVENT_CAP);
    expect(last).toBe(EVENT_CAP);
    // The newest events are the ones kept: the stream can still resume from a recent id.
    expect(Number(newest)).toBeGreaterThanOrEqual(10_000);
  });
});

describe('resumable GET stream', () => {
  it('replays events after Last-Event-ID on the standalone stream', async () => {
    const sid = await openSession();
    const ids = await runInDurableObject(stubOf(sid), (_o, state) => {
      const store = new SessionStore(state.storage);
      return [1, 2, 3].map((i) =>
        store.appendEvent('get', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `m${i}` } })),
      );
    });
    const ac = new AbortController();
    const r = await call('/mcp', {
      method: 'GET',
      signal: ac.signal,
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': ids[0] },
    });
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    // Read until the last hint arrives or the stream ends (an early end fails the assertions below).
    const text = await textReader(r.body!).until('prompts/list_changed');
    ac.abort();
    const events = parseSse(text);
    // The stored events after the id, then the list_changed hints this object cannot vouch it sent
    // (it held no stream since it started: src/mcp/get-streams.ts), without ids.
    expect(events.map((e) => e.id)).toEqual([ids[1], ids[2], undefined, undefined, undefined]);
    expect(events.slice(0, 2).map((e) => JSON.parse(e.data).params.data)).toEqual(['m2', 'm3']);
  });
});
