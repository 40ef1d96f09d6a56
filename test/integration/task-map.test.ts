// The legacy session's task ids (src/mcp/task-map.ts) in a real SessionDO's SQLite: bounded to
// TASK_CAP, expiring with each task's ttl, gone with the session.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_TASK_TTL_MS, SqlTaskMap, StatelessTaskIds, TASK_CAP } from '../../src/mcp/task-map';

const stub = () => env.SESSION.get(env.SESSION.idFromName(`tasks-${crypto.randomUUID()}`));

describe('session task map', () => {
  it('maps ids both ways, per server, and never hands out the upstream id', async () => {
    await runInDurableObject(stub(), (_o, state) => {
      const map = new SqlTaskMap(state.storage.sql);
      const a = map.add('alpha', 'task-1', 60_000);
      const b = map.add('beta', 'task-1', 60_000);
      expect(a).toMatch(/^[0-9a-f]{32}$/);
      expect(a).not.toBe(b);
      expect(map.get(a)).toEqual({ id: a, server: 'alpha', upstream: 'task-1' });
      expect(map.idFor('beta', 'task-1')).toBe(b);
      expect(map.add('alpha', 'task-1', 60_000)).toBe(a); // the same task keeps its id
      expect(map.get('task-1')).toBeNull();
    });
  });

  it('expires a task with its ttl (null ttl = the cap) and stays bounded', async () => {
    await runInDurableObject(stub(), (_o, state) => {
      let now = 1_000_000;
      const map = new SqlTaskMap(state.storage.sql, () => now);
      const short = map.add('s', 'short', 1_000);
      const open = map.add('s', 'open', null);
      now += 1_001;
      expect(map.get(short)).toBeNull();
      expect(map.get(open)).not.toBeNull();
      now += MAX_TASK_TTL_MS;
      expect(map.get(open)).toBeNull();
      for (let i = 0; i < TASK_CAP + 50; i++) map.add('s', `t${i}`, 60_000 + i);
      expect(map.count()).toBe(TASK_CAP);
      expect(map.idFor('s', 't0')).toBeNull(); // the soonest-expiring went first
      expect(map.idFor('s', `t${TASK_CAP + 49}`)).not.toBeNull();
      map.drop();
      expect(map.all()).toEqual([]);
    });
  });
});

describe('stateless task ids (modern lane)', () => {
  it('name their server and upstream id, and only for the principal that got them', () => {
    const alice = new StatelessTaskIds('acme:alice');
    const id = alice.add('srv.ü', 'up/1:2');
    expect(id).toMatch(/^t1\.[0-9a-f]+\.[0-9a-f]{8}\.[0-9a-f]+$/);
    expect(alice.get(id)).toEqual({ id, server: 'srv.ü', upstream: 'up/1:2' });
    expect(new StatelessTaskIds('acme:bob').get(id)).toBeNull();
    for (const bad of ['', 't1..x.', `${id}0`, 'up/1:2', id.replace('t1.', 't2.')]) expect(alice.get(bad), bad).toBeNull();
  });
});
