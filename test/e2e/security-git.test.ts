// Attack suite for the built-in git server, on its own jwt-mode `wrangler dev` (tenants acme and
// globex; admin / reader / caller principals) with small limits so every refusal is cheap to reach:
// push-path spellings that must not bypass the push scope, gzip bombs, oversize pushes, bad ref
// names, protected branches and per-tenant quotas. Every refusal is checked by reading the refs
// (and, where objects matter, asking upload-pack for them) back afterwards.

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, type Role, startJwtDev, type Tenant } from '../helpers/jwt-dev';
import { GIT_ENV } from '../helpers/native-git';

const PUSH_MAX = 200_000;
const REPO_MAX = 350_000;
const REPOS_MAX = 3;
const ZERO = '0'.repeat(40);

let h: JwtDev;
let work: string;
const clients: Client[] = [];

beforeAll(async () => {
  h = await startJwtDev({ vars: { GIT_MAX_PUSH_BYTES: String(PUSH_MAX), MAX_REPO_BYTES: String(REPO_MAX), MAX_REPOS_PER_TENANT: String(REPOS_MAX) } });
  work = mkdtempSync(join(tmpdir(), 'edgehub-sec-git-'));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await h?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------------------

async function mcp(tenant: Tenant, role: Role): Promise<Client> {
  const c = new Client({ name: 'sec-git', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL('/mcp', h.base), { requestInit: { headers: h.auth(tenant, role) } }));
  clients.push(c);
  return c;
}

async function tool(c: Client, name: string, args: Record<string, unknown> = {}) {
  const r = (await c.callTool({ name, arguments: args })) as { content: { text: string }[]; structuredContent?: any; isError?: boolean };
  return { error: !!r.isError, text: r.content.map((x) => x.text).join(''), data: r.structuredContent };
}

async function ok(c: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await tool(c, name, args);
  if (r.error) throw new Error(`${name}: ${r.text}`);
  return r;
}

/** Runs native git; never throws (status and output are what the tests look at). */
function git(cwd: string, ...args: string[]) {
  const r = spawnSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
  return { status: r.status, out: (r.stdout ?? '').trim(), err: r.stderr ?? '' };
}
function gitOk(cwd: string, ...args: string[]): string {
  const r = git(cwd, ...args);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

/** Clones with the token as the Basic password (kept in the temp clone's config, never in a URL). */
function clone(repo: string, tenant: Tenant, role: Role): string {
  const dir = join(work, `${repo}-${role}-${crypto.randomUUID().slice(0, 6)}`);
  const header = `Authorization: ${h.basic(tenant, role).authorization}`;
  gitOk(work, '-c', `http.extraHeader=${header}`, 'clone', '-q', `${h.base}/git/${repo}`, dir);
  gitOk(dir, 'config', 'http.extraHeader', header);
  return dir;
}

function commitFile(dir: string, path: string, content: string | Uint8Array, message: string): string {
  writeFileSync(join(dir, path), content);
  gitOk(dir, 'add', path);
  gitOk(dir, 'commit', '-q', '-m', message);
  return gitOk(dir, 'rev-parse', 'HEAD');
}

const pkt = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
};
const FLUSH = Buffer.from('0000');

/** pkt-line payloads of a buffer (flush packets skipped, side-band stripped of its band byte). */
function pktLines(buf: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const len = parseInt(buf.subarray(at, at + 4).toString(), 16);
    if (!len) {
      at += 4;
      continue;
    }
    out.push(buf.subarray(at + 4, at + len).toString('latin1'));
    at += len;
  }
  return out;
}

/** The repository's refs as upload-pack advertises them (read with an admin token). */
async function refs(tenant: Tenant, repo: string): Promise<Record<string, string>> {
  const r = await fetch(`${h.base}/git/${repo}/info/refs?service=git-upload-pack`, { headers: h.basic(tenant, 'admin') });
  expect(r.status).toBe(200);
  const out: Record<string, string> = {};
  for (const line of pktLines(Buffer.from(await r.arrayBuffer())).slice(1)) {
    const [oid, ref] = line.split('\0')[0].trim().split(' ');
    out[ref] = oid;
  }
  return out;
}

/** True when the repository stores `oid` (upload-pack accepts it as a want). */
async function hasObject(tenant: Tenant, repo: string, oid: string): Promise<boolean> {
  const body = Buffer.concat([pkt(`want ${oid}\n`), FLUSH, pkt('done\n')]);
  const r = await fetch(`${h.base}/git/${repo}/git-upload-pack`, {
    method: 'POST',
    headers: { ...h.basic(tenant, 'admin'), 'content-type': 'application/x-git-upload-pack-request' },
    body,
  });
  await r.arrayBuffer();
  return r.status === 200;
}

function receiveBody(commands: [old: string, next: string, ref: string][], pack?: Buffer): Buffer {
  const lines = commands.map(([o, n, ref], i) => pkt(`${o} ${n} ${ref}${i === 0 ? '\0report-status delete-refs' : ''}\n`));
  return Buffer.concat([...lines, FLUSH, ...(pack ? [pack] : [])]);
}

async function post(path: string, tenant: Tenant, role: Role, body: Buffer, headers: Record<string, string> = {}) {
  const r = await fetch(`${h.base}${path}`, {
    method: 'POST',
    headers: { ...h.basic(tenant, role), 'content-type': 'application/x-git-receive-pack-request', ...headers },
    body: new Uint8Array(body),
  });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** An empty pack (no objects): enough for a hand-made receive-pack that only moves refs. */
function emptyPack(): Buffer {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return Buffer.concat([head, createHash('sha1').update(head).digest()]);
}

// ---- the suite -----------------------------------------------------------------------------

let admin: Client;
let repoA: string;
let mainA: string;
let firstA: string;

beforeAll(async () => {
  admin = await mcp('acme', 'admin');
  repoA = `sec-${crypto.randomUUID().slice(0, 8)}`;
  await ok(admin, 'git_init', { repo_path: repoA });
  await ok(admin, 'git_write_file', { repo_path: repoA, path: 'a.txt', content: 'one\n' });
  await ok(admin, 'git_add', { repo_path: repoA, files: ['a.txt'] });
  firstA = (await ok(admin, 'git_commit', { repo_path: repoA, message: 'one' })).data.hash;
  await ok(admin, 'git_write_file', { repo_path: repoA, path: 'a.txt', content: 'two\n' });
  await ok(admin, 'git_add', { repo_path: repoA, files: ['a.txt'] });
  mainA = (await ok(admin, 'git_commit', { repo_path: repoA, message: 'two' })).data.hash;
  await ok(admin, 'git_create_branch', { repo_path: repoA, branch_name: 'victim' });
});

/** Puts repoA's `main` and `victim` back on mainA (an admin push), so every case starts alike. */
async function restoreA() {
  const cur = await refs('acme', repoA);
  const cmds: [string, string, string][] = [];
  if (cur['refs/heads/main'] !== mainA) cmds.push([cur['refs/heads/main'] ?? ZERO, mainA, 'refs/heads/main']);
  if (cur['refs/heads/victim'] !== mainA) cmds.push([cur['refs/heads/victim'] ?? ZERO, mainA, 'refs/heads/victim']);
  if (cmds.length) await post(`/git/${repoA}/git-receive-pack`, 'acme', 'admin', receiveBody(cmds, emptyPack()));
}

describe('push scope cannot be bypassed by spelling the path differently', () => {
  // Each spelling names (after decoding, as the router sees it) the receive-pack endpoint or one
  // that must not be confused with it. A reader must never move a ref through any of them.
  const POST_SPELLINGS = [
    '/git/{r}/git-receive-pack',
    '/git/{r}/git-receive-p%61ck',
    '/git/{r}/git%2Dreceive%2Dpack',
    '/git/{r}/git%2dreceive%2dpack',
    '/git/{r}/%67it-receive-pack',
    '/git/{r}/git-rec%65ive-pack',
    '/git/{r}/%67%69%74%2d%72%65%63%65%69%76%65%2d%70%61%63%6b',
    '/git/{r}.git/git-receive-pack',
    '/git/{r}.git/git-receive-p%61ck',
    '/git/{r}%2Egit/git-receive-p%61ck',
    '/git/%2F{r}/git-receive-pack',
    '/git/%2F{r}/git-receive-p%61ck',
    '/git/repos%2F{r}/git-receive-p%61ck',
    '/git/{r}%2F/git-receive-p%61ck',
    '/git//{r}/git-receive-pack',
    '/git/{r}//git-receive-pack',
    '/git/{r}/git-receive-pack/',
    '/git/{r}/git-receive-p%61ck/',
    '/git/{r}/git-receive-p%61ck%2F',
    '/git/{r}/git-receive-pack?service=git-upload-pack',
    '/git/{r}/git-receive-p%61ck?service=git-upload-pack',
    '/git/{r}/git-receive-pack%3F',
    '/git/{r}/GIT-RECEIVE-PACK',
    '/git/{r}/git-receive-pack%00',
    '/git/{r}/%2E/git-receive-pack',
    '/git/{r}/info/../git-receive-p%61ck',
    '/git/{r}/git-upload-pack/../git-receive-p%61ck',
    '/git/{r}/git-upload-pack?service=git-receive-pack',
  ];

  for (const spelling of POST_SPELLINGS) {
    it(`reader POST ${spelling} moves no ref`, async () => {
      const path = spelling.replace('{r}', repoA);
      await restoreA();
      const before = await refs('acme', repoA);
      expect(before['refs/heads/victim']).toBe(mainA);
      // Delete `victim`, move `main` back one commit: both would be visible in the refs.
      const body = receiveBody(
        [
          [before['refs/heads/victim'], ZERO, 'refs/heads/victim'],
          [before['refs/heads/main'], firstA, 'refs/heads/main'],
        ],
        emptyPack(),
      );
      const r = await post(path, 'acme', 'reader', body);
      expect(r.status, `${path}: ${r.body.toString()}`).not.toBe(200);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(await refs('acme', repoA)).toEqual(before);
      // Where a caller's harmless probe (no commands) reaches receive-pack, the reader's refusal
      // is the scope challenge, not an accident of routing.
      const probe = await post(path, 'acme', 'caller', Buffer.concat([FLUSH]));
      if (probe.status === 200 && probe.headers.get('content-type') === 'application/x-git-receive-pack-result') {
        expect(r.status).toBe(403);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", scope="mcp:call"/);
      }
    });
  }

  const GET_SPELLINGS = [
    '/git/{r}/info/refs?service=git-receive-pack',
    '/git/{r}/info/refs?service=git-receive-p%61ck',
    '/git/{r}/info/refs?service=git%2Dreceive%2Dpack',
    '/git/{r}/inf%6F/refs?service=git-receive-pack',
    '/git/{r}.git/info/refs?service=git-receive-pack',
    '/git/%2F{r}/info/refs?service=git-receive-pack',
    '/git/{r}/info/refs?service=git-upload-pack&service=git-receive-pack',
    '/git/{r}/info/refs?service=git-receive-pack&service=git-upload-pack',
    '/git/{r}/info/refs?x=1&service=git-receive-pack',
  ];
  for (const spelling of GET_SPELLINGS) {
    it(`reader GET ${spelling} never gets the push advertisement`, async () => {
      const r = await fetch(`${h.base}${spelling.replace('{r}', repoA)}`, { headers: h.basic('acme', 'reader') });
      const text = await r.text();
      expect(r.headers.get('content-type')).not.toBe('application/x-git-receive-pack-advertisement');
      expect(text).not.toContain('# service=git-receive-pack');
      if (r.status !== 200) expect([403, 404]).toContain(r.status);
    });
  }

  it('native git push with a reader token is refused; with a caller token it works', async () => {
    const before = await refs('acme', repoA);
    const dir = clone(repoA, 'acme', 'reader');
    commitFile(dir, 'reader.txt', 'reader\n', 'by reader');
    const r = git(dir, 'push', 'origin', 'main');
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(/403/);
    expect(await refs('acme', repoA)).toEqual(before);
  });
});

describe('decompression and size bombs', () => {
  const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024));

  it('a 256 MiB gzip bomb to upload-pack is refused with 413 and a message; the server stays healthy', async () => {
    expect(bomb.length).toBeLessThan(300 * 1024);
    const r = await post(`/git/${repoA}/git-upload-pack`, 'acme', 'reader', bomb, {
      'content-type': 'application/x-git-upload-pack-request',
      'content-encoding': 'gzip',
    });
    expect(r.status).toBe(413);
    expect(r.body.toString()).toMatch(/10485760 bytes/);
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    expect(await hasObject('acme', repoA, mainA)).toBe(true);
  });

  it('a gzip bomb to receive-pack is refused with 413 naming GIT_MAX_PUSH_BYTES; nothing moves', async () => {
    const before = await refs('acme', repoA);
    const r = await post(`/git/${repoA}/git-receive-pack`, 'acme', 'caller', bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(r.body.toString()).toContain('GIT_MAX_PUSH_BYTES');
    expect(await refs('acme', repoA)).toEqual(before);
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
  });

  it('a plain upload-pack body over 10 MiB is refused with 413', async () => {
    const r = await post(`/git/${repoA}/git-upload-pack`, 'acme', 'reader', Buffer.alloc(11 * 1024 * 1024, 0x30), {
      'content-type': 'application/x-git-upload-pack-request',
    });
    expect(r.status).toBe(413);
  });

  // Native git reads the answer only after sending its whole body; the route drains the rest
  // (counted, never kept) and answers with a side-band message git prints as `remote: …` lines.
  const refusedAs = (err: string, bytes: number) => {
    // The size git sent, as counted by the route (the same pack both times, give or take git's choices).
    const counted = Number(/remote: push refused: this push is (\d+) bytes/.exec(err)?.[1]);
    expect(Math.abs(counted - bytes)).toBeLessThan(bytes / 100);
    expect(err).toContain(`over GIT_MAX_PUSH_BYTES = ${PUSH_MAX} bytes`);
    expect(err).toContain('nothing was stored');
    expect(err).toMatch(/remote: Push less at a time: .*git push <remote> <commit>:refs\/heads\/<branch>/);
    expect(err).toContain('ask the operator to raise GIT_MAX_PUSH_BYTES');
    expect(err).toContain(`! [remote rejected] main -> main (push larger than GIT_MAX_PUSH_BYTES (${PUSH_MAX} bytes))`);
    expect(err).not.toContain('RPC failed');
    expect(err).not.toContain('hung up');
  };

  it('a native push over GIT_MAX_PUSH_BYTES shows the size, the limit and what to do; nothing is written', async () => {
    const before = await refs('acme', repoA);
    const dir = clone(repoA, 'acme', 'caller');
    // A few MiB, 15× the limit: with a large http.postBuffer git sends one body with a Content-Length.
    const big = commitFile(dir, 'big.bin', randomBytes(3 * 1024 * 1024), 'too big');
    const whole = spawnSync('git', ['-c', 'http.postBuffer=67108864', 'push', 'origin', 'main'], {
      cwd: dir,
      env: { ...GIT_ENV, GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
      encoding: 'utf8',
    });
    expect(whole.status).not.toBe(0);
    const sent = Number(/Send header: Content-Length: (\d+)/.exec(whole.stderr)?.[1]);
    expect(sent).toBeGreaterThan(3 * 1024 * 1024);
    refusedAs(whole.stderr, sent);
    expect(await refs('acme', repoA)).toEqual(before);
    expect(await hasObject('acme', repoA, big)).toBe(false);
    // Over git's default 1 MiB http.postBuffer the body is sent chunked (no Content-Length): the
    // route counts it to its end, so the size is exact here too.
    const chunked = git(dir, 'push', 'origin', 'main');
    expect(chunked.status).not.toBe(0);
    refusedAs(chunked.err, sent);
    expect(await refs('acme', repoA)).toEqual(before);
    expect(await hasObject('acme', repoA, big)).toBe(false);
    // Under the limit a push still goes through.
    gitOk(dir, 'reset', '-q', '--hard', 'HEAD~1');
    const small = commitFile(dir, 'small.txt', 'small\n', 'small');
    gitOk(dir, 'push', '-q', 'origin', 'main');
    expect((await refs('acme', repoA))['refs/heads/main']).toBe(small);
    mainA = small;
  });

  it('an oversize push from a client without side-band gets the whole message as the unpack status', async () => {
    const before = await refs('acme', repoA);
    const body = receiveBody([[before['refs/heads/main'], 'a'.repeat(40), 'refs/heads/main']], randomBytes(PUSH_MAX * 2));
    const r = await post(`/git/${repoA}/git-receive-pack`, 'acme', 'caller', body);
    expect(r.status).toBe(200);
    const lines = pktLines(r.body);
    expect(lines[0]).toMatch(new RegExp(`^unpack push refused: this push is ${body.length} bytes .* over GIT_MAX_PUSH_BYTES = ${PUSH_MAX} bytes`));
    expect(lines[1]).toBe(`ng refs/heads/main push larger than GIT_MAX_PUSH_BYTES (${PUSH_MAX} bytes)\n`);
    expect(await refs('acme', repoA)).toEqual(before);
  });
});

describe('ref names on push follow git check-ref-format', () => {
  const BAD = [
    'refs/heads/a..b',
    'refs/heads/a//b',
    'refs/heads/x@{1}',
    'refs/heads/.hidden',
    'refs/heads/a/.hidden',
    'refs/heads/topic.lock',
    'refs/heads/a.lock/b',
    'refs/heads/trailing/',
    'refs/heads/trailing.',
    'refs/heads/@',
    'refs/heads/sp ace',
    'refs/heads/tab\tx',
    'refs/heads/ctl\x01x',
    'refs/heads/del\x7fx',
    'refs/heads/ti~lde',
    'refs/heads/ca^ret',
    'refs/heads/co:lon',
    'refs/heads/que?ry',
    'refs/heads/st*ar',
    'refs/heads/br[acket',
    'refs/heads/back\\slash',
    'refs/heads/',
    'refs/heads',
    'HEAD',
  ];
  for (const ref of BAD) {
    it(`push creating ${JSON.stringify(ref)} gets "ng … invalid ref name"; nothing written`, async () => {
      const before = await refs('acme', repoA);
      const r = await post(`/git/${repoA}/git-receive-pack`, 'acme', 'caller', receiveBody([[ZERO, mainA, ref]], emptyPack()));
      expect(r.status).toBe(200);
      const lines = pktLines(r.body);
      expect(lines).toContain(`ng ${ref} invalid ref name\n`);
      expect(await refs('acme', repoA)).toEqual(before);
    });
  }

  it('git tools refuse the same names', async () => {
    for (const name of ['a..b', 'a//b', 'x@{1}', '.hidden', 'topic.lock', '@', 'sp ace', 'trailing.']) {
      const r = await tool(admin, 'git_create_branch', { repo_path: repoA, branch_name: name });
      expect(r.error, name).toBe(true);
      expect(r.text).toContain('not a valid ref name');
      const t = await tool(admin, 'git_tag', { repo_path: repoA, action: 'create', name });
      expect(t.error, name).toBe(true);
    }
    const p = await tool(admin, 'git_push', { repo_path: repoA, branch: 'a..b' });
    expect(p.error).toBe(true);
    expect(p.text).toContain('not a valid ref name');
  });
});

describe('protected branches', () => {
  let repo: string;
  let dir: string;

  beforeAll(async () => {
    repo = `prot-${crypto.randomUUID().slice(0, 8)}`;
    await ok(admin, 'git_init', { repo_path: repo });
    await ok(admin, 'git_write_file', { repo_path: repo, path: 'f.txt', content: '1\n' });
    await ok(admin, 'git_add', { repo_path: repo, files: ['f.txt'] });
    await ok(admin, 'git_commit', { repo_path: repo, message: 'c1' });
    await ok(admin, 'git_create_branch', { repo_path: repo, branch_name: 'release' });
    dir = clone(repo, 'acme', 'caller');
  });

  it('git_protect_branch needs the admin scope (a caller cannot lift it); git_branch marks protected branches', async () => {
    const reader = await mcp('acme', 'reader');
    await expect(reader.callTool({ name: 'git_protect_branch', arguments: { repo_path: repo, branch: 'main', protected: true } })).rejects.toThrow(
      /insufficient_scope|mcp:call/,
    );
    const caller = await mcp('acme', 'caller');
    const refused = await tool(caller, 'git_protect_branch', { repo_path: repo, branch: 'main', protected: true });
    expect(refused.error).toBe(true);
    expect(refused.text).toContain("needs the 'admin' scope");
    await ok(admin, 'git_protect_branch', { repo_path: repo, branch: 'main', protected: true });
    await ok(admin, 'git_protect_branch', { repo_path: repo, branch: 'release', protected: true });
    // The attack: a caller lifts the protection, then force-pushes. Refused at the first step.
    expect((await tool(caller, 'git_protect_branch', { repo_path: repo, branch: 'main', protected: false })).error).toBe(true);
    const b = await ok(caller, 'git_branch', { repo_path: repo, branch_type: 'local' });
    expect(b.text).toBe('* main (protected)\n  release (protected)');
    expect(b.data.branches.map((x: any) => x.protected)).toEqual([true, true]);
    expect((await tool(admin, 'git_protect_branch', { repo_path: repo, branch: 'a..b', protected: true })).error).toBe(true);
  });

  it('fast-forward push is allowed; force push and deletion are refused with the reason', async () => {
    const c2 = commitFile(dir, 'f.txt', '2\n', 'c2');
    gitOk(dir, 'push', '-q', 'origin', 'main');
    expect((await refs('acme', repo))['refs/heads/main']).toBe(c2);

    gitOk(dir, 'reset', '-q', '--hard', 'HEAD~1');
    const rewritten = commitFile(dir, 'f.txt', 'rewritten\n', 'rewritten');
    const f = git(dir, 'push', '--force', 'origin', 'main');
    expect(f.status).not.toBe(0);
    expect(f.err).toContain('protected branch: non-fast-forward update refused');
    expect((await refs('acme', repo))['refs/heads/main']).toBe(c2);
    expect(rewritten).not.toBe(c2);

    const before = await refs('acme', repo);
    const d = git(dir, 'push', 'origin', '--delete', 'release');
    expect(d.status).not.toBe(0);
    expect(d.err).toContain('protected branch: deletion refused');
    expect(await refs('acme', repo)).toEqual(before);
  });

  it('tools cannot delete a protected branch; after unprotecting they can', async () => {
    const r = await tool(admin, 'git_delete_branch', { repo_path: repo, branch_name: 'release', force: true });
    expect(r.error).toBe(true);
    expect(r.text).toContain('protected');
    expect((await refs('acme', repo))['refs/heads/release']).toBeTruthy();
    await ok(admin, 'git_protect_branch', { repo_path: repo, branch: 'release', protected: false });
    expect((await ok(admin, 'git_branch', { repo_path: repo, branch_type: 'local' })).text).toBe('* main (protected)\n  release');
    await ok(admin, 'git_delete_branch', { repo_path: repo, branch_name: 'release', force: true });
    expect((await refs('acme', repo))['refs/heads/release']).toBeUndefined();
  });
});

describe('quotas', () => {
  it(`a repository stops growing at MAX_REPO_BYTES (push and tools refused with the limit named)`, async () => {
    const repo = `quota-${crypto.randomUUID().slice(0, 8)}`;
    await ok(admin, 'git_init', { repo_path: repo });
    await ok(admin, 'git_write_file', { repo_path: repo, path: 'r.txt', content: 'r\n' });
    await ok(admin, 'git_add', { repo_path: repo, files: ['r.txt'] });
    await ok(admin, 'git_commit', { repo_path: repo, message: 'root' });
    const dir = clone(repo, 'acme', 'caller');
    for (let i = 0; i < 2; i++) {
      commitFile(dir, `b${i}.bin`, randomBytes(150_000), `b${i}`);
      gitOk(dir, 'push', '-q', 'origin', 'main');
    }
    const before = await refs('acme', repo);
    const third = commitFile(dir, 'b2.bin', randomBytes(150_000), 'b2');
    const r = git(dir, 'push', 'origin', 'main');
    expect(r.status).not.toBe(0);
    expect(r.err).toContain('MAX_REPO_BYTES');
    expect(await refs('acme', repo)).toEqual(before);
    expect(await hasObject('acme', repo, third)).toBe(false);

    // Tools: one more file may still land (the check is before the call), then growth stops.
    await ok(admin, 'git_write_file', { repo_path: repo, path: 'w.bin', content: randomBytes(100_000).toString('base64'), encoding: 'base64' });
    const add = await tool(admin, 'git_add', { repo_path: repo, files: ['w.bin'] });
    const commit = add.error ? add : await tool(admin, 'git_commit', { repo_path: repo, message: 'over' });
    expect(commit.error).toBe(true);
    expect(commit.text).toContain('MAX_REPO_BYTES');
  });

  it(`a tenant holds at most MAX_REPOS_PER_TENANT repositories; other tenants are not affected`, async () => {
    const g = await mcp('globex', 'admin');
    const names = Array.from({ length: REPOS_MAX }, (_, i) => `g${i}-${crypto.randomUUID().slice(0, 6)}`);
    for (const n of names) await ok(g, 'git_init', { repo_path: n });
    const r = await tool(g, 'git_init', { repo_path: `over-${crypto.randomUUID().slice(0, 6)}` });
    expect(r.error).toBe(true);
    expect(r.text).toContain('MAX_REPOS_PER_TENANT');
    expect((await ok(g, 'git_list_repos')).data.repos).toHaveLength(REPOS_MAX);
    // Re-initialising an existing repository is not a new repository.
    expect((await ok(g, 'git_init', { repo_path: names[0] })).data.created).toBe(false);
  });
});
