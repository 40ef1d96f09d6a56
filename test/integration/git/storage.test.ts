// The Repo DO's storage layer inside a real Durable Object: the fs contract isomorphic-git
// relies on (error codes, stable stats), write-behind to R2 with eviction and re-reads, refs
// compare-and-set, chunked large files.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Repo } from '../../../src/git/repo';
import { ObjectStore } from '../../../src/git/storage/objects';

function fresh() {
  const repo = `st-${crypto.randomUUID().slice(0, 8)}`;
  return { repo, stub: env.REPO.get(env.REPO.idFromName(`default:${repo}`)) };
}

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('fs adapter', () => {
  it('reports ENOENT / ENOTDIR / EEXIST / EISDIR / ENOTEMPTY like Node', async () => {
    const { repo, stub } = fresh();
    await runInDurableObject(stub, async (_o, state) => {
      const r = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
      const fs = r.fs.promises;
      expect(await codeOf(fs.readFile('/missing.txt'))).toBe('ENOENT');
      expect(await codeOf(fs.stat('/missing.txt'))).toBe('ENOENT');
      expect(await codeOf(fs.readdir('/nodir'))).toBe('ENOENT');
      await fs.writeFile('/a.txt', 'hello');
      expect(await codeOf(fs.stat('/a.txt/b'))).toBe('ENOTDIR');
      expect(await codeOf(fs.readdir('/a.txt'))).toBe('ENOTDIR');
      expect(await codeOf(fs.mkdir('/a.txt'))).toBe('EEXIST');
      expect(await codeOf(fs.mkdir('/x/y'))).toBe('ENOENT');
      await fs.mkdir('/d');
      await fs.writeFile('/d/f', new Uint8Array([1, 2, 3]));
      expect(await codeOf(fs.writeFile('/d', 'x'))).toBe('EISDIR');
      expect(await codeOf(fs.rmdir('/d'))).toBe('ENOTEMPTY');
      expect(await codeOf(fs.unlink('/d'))).toBe('EISDIR');
      expect((await fs.readdir('/')).sort()).toEqual(['a.txt', 'd']);
      expect(await fs.readFile('/a.txt', 'utf8')).toBe('hello');
      expect(await fs.readFile('/a.txt', { encoding: 'utf8' })).toBe('hello');
      await fs.symlink('a.txt', '/link');
      expect(await fs.readlink('/link')).toBe('a.txt');
      expect((await fs.lstat('/link')).isSymbolicLink()).toBe(true);
      await fs.unlink('/d/f');
      await fs.rmdir('/d');
      expect(await codeOf(fs.stat('/d'))).toBe('ENOENT');
    });
  });

  it('stats are stable across reads and restarts, and change on every write', async () => {
    const { repo, stub } = fresh();
    const before = await runInDurableObject(stub, async (_o, state) => {
      const fs = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!.fs.promises;
      await fs.writeFile('/f.txt', 'one');
      const s1 = await fs.stat('/f.txt');
      const s2 = await fs.stat('/f.txt');
      expect([s2.ino, s2.mtimeMs, s2.mtimeNanoseconds, s2.size, s2.mode]).toEqual([s1.ino, s1.mtimeMs, s1.mtimeNanoseconds, s1.size, s1.mode]);
      // Same size, same (frozen) clock: the rewrite must still be visible in the stats.
      await fs.writeFile('/f.txt', 'two');
      const s3 = await fs.stat('/f.txt');
      expect(s3.ino).not.toBe(s1.ino);
      expect(s3.mtimeSeconds * 1e9 + s3.mtimeNanoseconds).toBeGreaterThan(s1.mtimeSeconds * 1e9 + s1.mtimeNanoseconds);
      return { ino: s3.ino, ns: s3.mtimeNanoseconds, s: s3.mtimeSeconds };
    });
    // A new Repo over the same storage (as after the DO is evicted) sees identical stats.
    await runInDurableObject(stub, async (_o, state) => {
      const s = await Repo.open(state.storage, env.GIT_OBJECTS, null)!.fs.promises.stat('/f.txt');
      expect({ ino: s.ino, ns: s.mtimeNanoseconds, s: s.mtimeSeconds }).toEqual(before);
    });
  });

  it('stores files over 1 MiB in chunks and reads them back intact', async () => {
    const { repo, stub } = fresh();
    await runInDurableObject(stub, async (_o, state) => {
      const fs = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!.fs.promises;
      const big = new Uint8Array(2_500_000).map((_, i) => (i * 7) % 251);
      await fs.writeFile('/big.bin', big);
      expect(state.storage.sql.exec(`SELECT chunks FROM files WHERE path = 'big.bin'`).one().chunks).toBe(3);
      const back = (await fs.readFile('/big.bin')) as Uint8Array;
      expect(back.byteLength).toBe(big.byteLength);
      expect(back.every((b, i) => b === big[i])).toBe(true);
      await fs.writeFile('/big.bin', 'small now');
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM file_chunks`).one().n).toBe(0);
    });
  });
});

describe('object store', () => {
  it('writes behind to R2, evicts cached data, and reads evicted objects back from R2', async () => {
    const { repo, stub } = fresh();
    await runInDurableObject(stub, async (_o, state) => {
      Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo });
      const prefix = `default/${repo}/`;
      const store = new ObjectStore(state.storage, env.GIT_OBJECTS, prefix, { cacheBytes: 0 });
      const oid = 'ab'.padEnd(40, '0');
      await store.put(oid, new Uint8Array([1, 2, 3]));
      expect(store.pendingCount()).toBe(1);
      expect(await env.GIT_OBJECTS.head(store.key(oid))).toBeNull();
      expect(await store.flush()).toBe(1);
      expect(store.pendingCount()).toBe(0);
      expect(await env.GIT_OBJECTS.head(store.key(oid))).not.toBeNull();
      // cacheBytes 0: the flushed object's data left SQLite, but the row (and `has`) remain.
      expect(state.storage.sql.exec(`SELECT data FROM objects WHERE oid = ?`, oid).one().data).toBeNull();
      const cold = new ObjectStore(state.storage, env.GIT_OBJECTS, prefix);
      expect(cold.has(oid)).toBe(true);
      expect([...((await cold.get(oid)) ?? [])]).toEqual([1, 2, 3]);
      expect(cold.list('ab')).toEqual([oid]);
      expect(await cold.get('cd'.padEnd(40, '0'))).toBeNull();
    });
  });
});

describe('refs', () => {
  it('compare-and-set refuses a stale expected value and changes nothing', async () => {
    const { repo, stub } = fresh();
    await runInDurableObject(stub, async (_o, state) => {
      const r = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
      const a = '1'.repeat(40);
      const b = '2'.repeat(40);
      expect(r.refs.cas('refs/heads/main', null, a)).toBe(true);
      expect(r.refs.cas('refs/heads/main', null, b)).toBe(false);
      expect(r.refs.cas('refs/heads/main', b, b)).toBe(false);
      expect(r.refs.resolve('refs/heads/main')).toBe(a);
      expect(r.refs.cas('refs/heads/main', a, b)).toBe(true);
      r.refs.setSymbolic('HEAD', 'refs/heads/main');
      expect(r.refs.resolve('HEAD')).toBe(b);
      expect([...r.refs.list('refs/heads/')]).toEqual([['refs/heads/main', b]]);
      expect(r.refs.cas('refs/heads/main', b, null)).toBe(true);
      expect(r.refs.resolve('HEAD')).toBeNull();
    });
  });
});
