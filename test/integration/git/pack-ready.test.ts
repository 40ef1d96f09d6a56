// The pack-ready object form (migrations/0102, src/git/storage/objects.ts) inside a real Durable
// Object: rows written loose are converted once (by the flush alarm or by the first upload-pack),
// the loose form rebuilt from them is a valid git loose object, R2 keeps git's loose format, and
// upload-pack's streamed pack — from converted rows, unconverted rows, evicted rows read back
// from R2 and a large R2-only object streamed — explodes into another repository intact.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { explodePack } from '../../../src/git/pack-reader';
import { Repo } from '../../../src/git/repo';
import { uploadPack } from '../../../src/git/smart-http';
import { looseOf, packedOf } from '../../../src/git/storage/object-format';
import { ObjectStore } from '../../../src/git/storage/objects';
import { deflate, inflate, sha1Hex } from '../../../src/git/zlib';
import { concatBytes } from '../../../src/utils/bytes';

const enc = new TextEncoder();
const dec = new TextDecoder();

function fresh(prefix: string) {
  const repo = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  return { repo, stub: env.REPO.get(env.REPO.idFromName(`default:${repo}`)) };
}

/** Commit history with nested trees, an empty blob, and one blob too large for a SQLite row. */
async function build(r: Repo) {
  const big = new Uint8Array(2_200_000);
  for (let i = 0; i < big.byteLength; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536)); // incompressible: > ROW_MAX deflated
  const blobs = [enc.encode('hello\n'), new Uint8Array(0), enc.encode('x'.repeat(100_000)), big];
  const ids = [];
  for (const b of blobs) ids.push(await r.writeObject('blob', b));
  const entry = (mode: string, name: string, oid: string) => {
    const head = enc.encode(`${mode} ${name}\0`);
    const out = new Uint8Array(head.byteLength + 20);
    out.set(head);
    for (let i = 0; i < 20; i++) out[head.byteLength + i] = parseInt(oid.slice(i * 2, i * 2 + 2), 16);
    return out;
  };
  const tree = (...es: Uint8Array[]) => concatBytes(es);
  const sub = await r.writeObject('tree', tree(entry('100644', 'empty', ids[1]), entry('100644', 'xs', ids[2])));
  const root = await r.writeObject('tree', tree(entry('100644', 'a.txt', ids[0]), entry('100644', 'big.bin', ids[3]), entry('40000', 'dir', sub)));
  const who = 'T <t@example.com> 1700000000 +0000';
  const c1 = await r.writeObject('commit', enc.encode(`tree ${root}\nauthor ${who}\ncommitter ${who}\n\nfirst\n`));
  // A gitlink (submodule) names a commit of another repository: never sent.
  const root2 = await r.writeObject('tree', tree(entry('100644', 'a.txt', ids[2]), entry('40000', 'dir', sub), entry('160000', 'mod', 'f'.repeat(40))));
  const c2 = await r.writeObject('commit', enc.encode(`tree ${root2}\nparent ${c1}\nauthor ${who}\ncommitter ${who}\n\nsecond\n`));
  return { head: c2, first: c1, all: [...ids, sub, root, c1, root2, c2], second: [c2, root2] };
}

/** upload-pack for `want` (a full clone, or a fetch when the client `has` a commit); returns the pack from side-band 1. */
async function clonePack(r: Repo, want: string, has?: string): Promise<Uint8Array> {
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  const body = enc.encode(`${pkt(`want ${want} side-band-64k ofs-delta\n`)}0000${has ? pkt(`have ${has}\n`) : ''}${pkt('done\n')}`);
  const raw = new Uint8Array(await new Response(await uploadPack(r, body)).arrayBuffer());
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < raw.byteLength) {
    const len = parseInt(dec.decode(raw.subarray(at, at + 4)), 16);
    if (len === 0) break;
    const payload = raw.subarray(at + 4, at + len);
    if (!/^(NAK|ACK [0-9a-f]{40})\n$/.test(dec.decode(payload))) {
      expect(payload[0]).toBe(1);
      parts.push(payload.subarray(1));
    }
    at += len;
  }
  return concatBytes(parts);
}

const rows = (state: DurableObjectState) =>
  Object.fromEntries(
    state.storage.sql
      .exec<{ oid: string; fmt: number; cached: number; pending: number }>(`SELECT oid, fmt, data IS NOT NULL AS cached, pending FROM objects`)
      .toArray()
      .map((x) => [x.oid, x]),
  );

/** The pack explodes into a fresh repository with exactly `oids`, each of the expected type and hash-checked. */
async function sameObjects(pack: Uint8Array, oids: string[], expected: Record<string, string>) {
  const { stub, repo } = fresh('pr-into');
  await runInDurableObject(stub, async (_o, state) => {
    const into = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
    expect(await explodePack(into, pack)).toBe(oids.length);
    for (const oid of oids) {
      const got = await into.readRaw(oid);
      expect(got.type).toBe(expected[oid]);
      expect(sha1Hex(enc.encode(`${got.type} ${got.content.byteLength}\0`), got.content)).toBe(oid);
    }
  });
}

describe('pack-ready objects', () => {
  it('the loose form rebuilt from a pack-ready row is a valid loose object (any size, empty too)', () => {
    for (const content of [new Uint8Array(0), enc.encode('hello\n'), enc.encode('a'.repeat(70_000)), crypto.getRandomValues(new Uint8Array(60_000))]) {
      const wrapped = new Uint8Array([...enc.encode(`blob ${content.byteLength}\0`), ...content]);
      const p = packedOf(deflate(wrapped, 6));
      expect(p).toMatchObject({ fmt: 1, type: 3, rawSize: content.byteLength });
      expect([...inflate(p.data)]).toEqual([...content]);
      expect([...inflate(looseOf(p))]).toEqual([...wrapped]);
    }
    expect(() => packedOf(new Uint8Array([1, 2, 3]))).toThrow();
  });

  it('flush copies loose objects to R2 and converts rows; clone packs explode intact from converted, unconverted and evicted rows', async () => {
    const { stub, repo } = fresh('pr');
    const result = await runInDurableObject(stub, async (_o, state) => {
      const r = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
      const { head, first, all, second } = await build(r);
      const expected: Record<string, string> = {};
      for (const oid of all) {
        const raw = await r.readRaw(oid);
        expected[oid] = raw.type;
      }
      const bigOid = all[3];
      // Written loose (fmt 0); the big blob went straight to R2 (no row data).
      let rs = rows(state);
      expect(all.filter((o) => o !== bigOid).every((o) => rs[o].fmt === 0 && rs[o].cached === 1 && rs[o].pending === 1)).toBe(true);
      expect(rs[bigOid]).toMatchObject({ cached: 0, pending: 0 });

      // 1. A clone before the flush converts the rows it sends (still pending: R2 not yet written).
      const before = await clonePack(r, head);
      rs = rows(state);
      expect(all.filter((o) => o !== bigOid).every((o) => rs[o].fmt === 1 && rs[o].pending === 1)).toBe(true);

      // 2. flush: R2 gets git's loose format (rebuilt from fmt 1), rows stay pack-ready.
      await r.flush();
      for (const oid of all) {
        const obj = await env.GIT_OBJECTS.get(r.objects.key(oid));
        const wrapped = inflate(new Uint8Array(await obj!.arrayBuffer()));
        expect(sha1Hex(wrapped)).toBe(oid);
      }
      rs = rows(state);
      expect(all.filter((o) => o !== bigOid).every((o) => rs[o].fmt === 1 && rs[o].pending === 0)).toBe(true);
      // The loose form and stat size the fs adapter serves agree with the bytes.
      for (const oid of all.filter((o) => o !== bigOid)) {
        const loose = (await r.objects.get(oid))!;
        expect(sha1Hex(inflate(loose))).toBe(oid);
        expect(r.objects.size(oid)).toBe(loose.byteLength);
      }
      const after = await clonePack(r, head);

      // 3. Evicted rows (cache budget 0) are read back from R2 in parallel and converted again.
      const cold = new ObjectStore(state.storage, env.GIT_OBJECTS, `default/${repo}/`, { cacheBytes: 0 });
      await cold.flush();
      expect(Object.values(rows(state)).every((x) => x.cached === 0)).toBe(true);
      const r2 = Repo.open(state.storage, env.GIT_OBJECTS, null)!;
      const evicted = await clonePack(r2, head);
      rs = rows(state);
      expect(all.filter((o) => o !== bigOid).every((o) => rs[o].fmt === 1 && rs[o].cached === 1)).toBe(true);
      expect(rs[bigOid].cached).toBe(0); // too large for a row: streamed from R2 every time
      // 4. A fetch by a client that has the first commit gets only what the second one added.
      const fetched = await clonePack(r2, head, first);
      return { before, after, evicted, fetched, all, second, expected };
    });
    expect(result.after).toEqual(result.before);
    expect(result.evicted).toEqual(result.before);
    await sameObjects(result.before, result.all, result.expected);
    expect(new DataView(result.fetched.buffer, result.fetched.byteOffset).getUint32(8)).toBe(result.second.length);
    await sameObjects(result.fetched, result.second, result.expected);
  });

  it('old rows written before 0102 (loose, fmt 0) are served and converted by the first clone', async () => {
    const { stub, repo } = fresh('pr-old');
    const pack = await runInDurableObject(stub, async (_o, state) => {
      const r = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
      const blob = await r.writeObject('blob', enc.encode('old\n'));
      const head = enc.encode(`100644 f\0`);
      const t = new Uint8Array(head.byteLength + 20);
      t.set(head);
      for (let i = 0; i < 20; i++) t[head.byteLength + i] = parseInt(blob.slice(i * 2, i * 2 + 2), 16);
      const tree = await r.writeObject('tree', t);
      const c = await r.writeObject('commit', enc.encode(`tree ${tree}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nold\n`));
      // As a pre-0102 store after its flush: loose rows, not pending.
      state.storage.sql.exec(`UPDATE objects SET pending = 0`);
      const fresh = Repo.open(state.storage, env.GIT_OBJECTS, null)!; // no memory LRU
      const out = await clonePack(fresh, c);
      expect(Object.values(rows(state)).map((x) => x.fmt)).toEqual([1, 1, 1]);
      return { out, oids: [c, tree, blob] };
    });
    await sameObjects(pack.out, pack.oids, { [pack.oids[0]]: 'commit', [pack.oids[1]]: 'tree', [pack.oids[2]]: 'blob' });
  });
});
