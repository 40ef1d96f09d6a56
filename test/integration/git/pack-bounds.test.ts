// Hostile packs against the pack reader inside a real Repo DO: every pack here is built with real
// pack encoding (entry headers, zlib data, ofs/ref deltas, trailing SHA-1) and each carries a valid
// blob before the bad entry, so "nothing stored" is a real check (a reader that wrote as it went
// would leave that blob behind). Also: the Repo DO refuses a push without mcp:call on its own.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GitLimitError } from '../../../src/git/limits';
import { explodePack } from '../../../src/git/pack-reader';
import { Repo } from '../../../src/git/repo';
import { deflate, sha1Hex, wrapObject } from '../../../src/git/zlib';
import { concatBytes } from '../../../src/utils/bytes';
import { fixture, ok, session } from '../../helpers/git';

const enc = new TextEncoder();
const BLOB = 3;
const OFS = 6;
const REF = 7;

function entryHeader(type: number, size: number): Uint8Array {
  const out = [(type << 4) | (size & 15)];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out[out.length - 1] |= 0x80;
    out.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  return new Uint8Array(out);
}

function ofsBytes(ofs: number): Uint8Array {
  let n = ofs;
  const out = [n & 127];
  while ((n = Math.floor(n / 128)) > 0) {
    n--;
    out.unshift(128 | (n & 127));
  }
  return new Uint8Array(out);
}

const varint = (n: number) => {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};

/** A delta: base size, result size, then instructions (`insert` bytes or a copy of the base). */
function delta(baseSize: number, resultSize: number, ops: ({ insert: Uint8Array } | { copy: [number, number] })[]): Uint8Array {
  const out = [...varint(baseSize), ...varint(resultSize)];
  for (const op of ops) {
    if ('insert' in op) out.push(op.insert.byteLength, ...op.insert);
    else {
      const [off, size] = op.copy;
      out.push(
        0x80 | 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20,
        off & 255,
        (off >> 8) & 255,
        (off >> 16) & 255,
        (off >> 24) & 255,
        size & 255,
        (size >> 8) & 255,
      );
    }
  }
  return new Uint8Array(out);
}

type PackEntry = { type: number; data: Uint8Array; declared?: number; ofsBack?: number; base?: string };

/** Encodes entries into a pack (ofsBack = how many entries back the ofs-delta base is). */
function pack(entries: PackEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(12);
  head.set(enc.encode('PACK'));
  new DataView(head.buffer).setUint32(4, 2);
  new DataView(head.buffer).setUint32(8, entries.length);
  parts.push(head);
  let at = 12;
  const offsets: number[] = [];
  for (const [i, e] of entries.entries()) {
    offsets.push(at);
    const bits = [entryHeader(e.type, e.declared ?? e.data.byteLength)];
    if (e.type === OFS) bits.push(ofsBytes(e.ofsBack === 0 ? 0 : at - offsets[i - (e.ofsBack ?? 1)]));
    if (e.type === REF) bits.push(Uint8Array.from(e.base!.match(/../g)!.map((h) => parseInt(h, 16))));
    bits.push(deflate(e.data));
    for (const b of bits) {
      parts.push(b);
      at += b.byteLength;
    }
  }
  const body = concatBytes(parts);
  const sum = Uint8Array.from(
    sha1Hex(body)
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
  return concatBytes([body, sum]);
}

const blob = (s: string): PackEntry => ({ type: BLOB, data: enc.encode(s) });

function fresh() {
  const repo = `pb-${crypto.randomUUID().slice(0, 8)}`;
  return { repo, stub: env.REPO.get(env.REPO.idFromName(`default:${repo}`)) };
}

/** Explodes `p` into a fresh repository; returns the error (or null) and how many objects it stored. */
async function explode(p: Uint8Array): Promise<{ error: unknown; stored: number }> {
  const { repo, stub } = fresh();
  return runInDurableObject(stub, async (_o, state) => {
    const r = Repo.open(state.storage, env.GIT_OBJECTS, { tenant: 'default', repo })!;
    let error: unknown = null;
    try {
      await explodePack(r, p);
    } catch (e) {
      error = e;
    }
    const stored = state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n;
    return { error, stored };
  });
}

function expectRefused(got: { error: unknown; stored: number }, status: number, message: RegExp) {
  expect(got.error, 'the pack was accepted').toBeInstanceOf(GitLimitError);
  expect((got.error as GitLimitError).status).toBe(status);
  expect((got.error as Error).message).toMatch(message);
  expect(got.stored, 'objects were stored from a refused pack').toBe(0);
}

describe('pack reader bounds', () => {
  it('a well-formed pack with a delta is still accepted (control)', async () => {
    const base = 'hello world, hello pack';
    const got = await explode(pack([blob(base), { type: OFS, data: delta(base.length, 5 + 3, [{ copy: [0, 5] }, { insert: enc.encode('!!!') }]) }]));
    expect(got.error).toBeNull();
    expect(got.stored).toBe(2);
  });

  it('an object that inflates past its declared size is refused (413), nothing stored', async () => {
    const got = await explode(pack([blob('fine'), { type: BLOB, data: enc.encode('x'.repeat(100_000)), declared: 10 }]));
    expectRefused(got, 413, /inflates past its declared 10 bytes/);
  });

  it('an object that inflates to less than declared is refused (400)', async () => {
    const got = await explode(pack([blob('fine'), { type: BLOB, data: enc.encode('short'), declared: 50 }]));
    expectRefused(got, 400, /not its declared 50/);
  });

  it('a delta whose result exceeds its declared size is refused, nothing stored', async () => {
    const base = 'base content';
    const got = await explode(pack([blob(base), { type: OFS, data: delta(base.length, 5, [{ insert: enc.encode('twenty bytes of data') }]) }]));
    expectRefused(got, 400, /delta result exceeds its declared size/);
  });

  it('a delta declaring a huge result is refused before allocating it (413)', async () => {
    const base = 'base content';
    const got = await explode(pack([blob(base), { type: OFS, data: delta(base.length, 2 ** 40, [{ insert: enc.encode('x') }]) }]));
    expectRefused(got, 413, /object limit/);
  });

  it('a delta copying outside its base is refused', async () => {
    const base = 'tiny';
    const got = await explode(pack([blob(base), { type: OFS, data: delta(base.length, 100, [{ copy: [0, 100] }]) }]));
    expectRefused(got, 400, /outside its base/);
  });

  /** A blob and a chain of `n` ofs-deltas, each appending one byte to the previous result. */
  function chain(n: number): Uint8Array {
    const entries: PackEntry[] = [blob('chain start')];
    let size = 'chain start'.length;
    for (let i = 0; i < n; i++) {
      entries.push({ type: OFS, data: delta(size, size + 1, [{ copy: [0, size] }, { insert: enc.encode('+') }]) });
      size++;
    }
    return pack(entries);
  }

  it('a delta chain of depth 50 is accepted; depth 51 is refused, nothing stored', async () => {
    const okChain = await explode(chain(50));
    expect(okChain.error).toBeNull();
    expect(okChain.stored).toBe(51);
    expectRefused(await explode(chain(51)), 400, /deeper than 50/);
  });

  it('a chain of depth 51 through ref-deltas (bases named by id) is refused too', async () => {
    const entries: PackEntry[] = [blob('ref chain')];
    let content = enc.encode('ref chain');
    for (let i = 0; i < 51; i++) {
      const next = concatBytes([content, enc.encode('+')]);
      entries.push({
        type: REF,
        base: wrapObject('blob', content).oid,
        data: delta(content.byteLength, next.byteLength, [{ copy: [0, content.byteLength] }, { insert: enc.encode('+') }]),
      });
      content = next;
    }
    expectRefused(await explode(pack(entries)), 400, /deeper than 50/);
  });

  it('an ofs-delta pointing at itself (offset 0) is refused, nothing stored', async () => {
    const got = await explode(pack([blob('fine'), { type: OFS, ofsBack: 0, data: delta(4, 4, [{ insert: enc.encode('loop') }]) }]));
    expectRefused(got, 400, /does not point at an earlier object/);
  });

  it('a ref-delta whose base is its own result is refused, nothing stored', async () => {
    // An insert-only delta's result does not depend on its base, so its id is known in advance:
    // naming that id as the base makes the delta its own base.
    const content = enc.encode('self');
    const self = wrapObject('blob', content).oid;
    const got = await explode(pack([blob('fine'), { type: REF, base: self, data: delta(content.byteLength, content.byteLength, [{ insert: content }]) }]));
    expectRefused(got, 400, /neither in the pack nor in the repository/);
  });

  it('trailing garbage and a lying object count are refused', async () => {
    const good = pack([blob('a')]);
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(8, 5);
    const fixed = concatBytes([
      lying.subarray(0, lying.byteLength - 20),
      Uint8Array.from(
        sha1Hex(lying.subarray(0, lying.byteLength - 20))
          .match(/../g)!
          .map((h) => parseInt(h, 16)),
      ),
    ]);
    expectRefused(await explode(fixed), 400, /malformed pack/);
  });
});

describe('the Repo DO checks the push scope itself', () => {
  it('a receive-pack reaching the DO with only mcp:read is refused (403) and moves no ref', async () => {
    const sid = await session();
    const repo = await fixture(sid, 'do-scope');
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'victim' });
    const stub = env.REPO.get(env.REPO.idFromName(`default:${repo}`));
    const before = await runInDurableObject(stub, async (_o, state) => Repo.open(state.storage, env.GIT_OBJECTS, null)!.refs.read('refs/heads/victim'));
    expect(before).toMatch(/^[0-9a-f]{40}$/);
    const line = `${before} ${'0'.repeat(40)} refs/heads/victim\0report-status delete-refs\n`;
    const body = enc.encode(`${(line.length + 4).toString(16).padStart(4, '0')}${line}0000`);
    const principal = { sub: 'reader', scopes: ['mcp:read'] };
    const r = await stub.smart({ tenant: 'default', repo, service: 'git-receive-pack', body, principal } as never, 'pack');
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('mcp:call');
    const adv = await stub.smart({ tenant: 'default', repo, service: 'git-receive-pack', principal } as never, 'advertise');
    expect(adv.status).toBe(403);
    const noPrincipal = await stub.smart({ tenant: 'default', repo, service: 'git-receive-pack', body } as never, 'pack');
    expect(noPrincipal.status).toBe(403);
    const after = await runInDurableObject(stub, async (_o, state) => Repo.open(state.storage, env.GIT_OBJECTS, null)!.refs.read('refs/heads/victim'));
    expect(after).toBe(before);
    // The same request with mcp:call goes through (the refusal above is the scope, nothing else).
    const allowed = await stub.smart(
      { tenant: 'default', repo, service: 'git-receive-pack', body, principal: { sub: 'caller', scopes: ['mcp:read', 'mcp:call'] } } as never,
      'pack',
    );
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('ok refs/heads/victim');
  });
});
