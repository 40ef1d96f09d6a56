// Native git against edgehub's built-in git server on a real `wrangler dev`: repositories made
// through the MCP tools (official SDK client) are cloned with `git clone` over smart HTTP, checked
// with `git fsck --full`, compared with git_log and with the same edits made by native git; native
// pushes are visible to the tools; and git_clone / git_push work against a native `git
// http-backend` remote served by the test on loopback.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHttpBackend } from '../helpers/git-http-backend.mjs';
import { GIT_ENV } from '../helpers/native-git';

const base = () => inject('edgehubUrl');
let client: Client;
let work: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

async function call(name: string, args: Record<string, unknown> = {}) {
  const r = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; structuredContent?: any; isError?: boolean };
  if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
  return r;
}
const repoName = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  client = new Client({ name: 'e2e-git', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base())));
  work = mkdtempSync(join(tmpdir(), 'edgehub-git-e2e-'));
});

afterAll(async () => {
  await client?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The edits both sides make: [path, content | null (delete), executable?][] per commit. */
const HISTORY: { message: string; edits: [string, string | null, boolean?][] }[] = [
  {
    message: 'initial commit',
    edits: [
      ['README.md', '# demo\n'],
      ['src/main.ts', 'console.log(1)\n'],
      ['bin/run.sh', '#!/bin/sh\necho run\n', true],
    ],
  },
  {
    message: 'second: nested dirs and an edit',
    edits: [
      ['src/lib/util.ts', 'export const x = 1;\n'],
      ['README.md', '# demo\n\nmore\n'],
    ],
  },
  {
    message: 'third: delete and add',
    edits: [
      ['src/main.ts', null],
      ['docs/a b.md', 'spaces in names\n'],
    ],
  },
];

async function buildWithTools(repo: string) {
  await call('git_init', { repo_path: repo });
  for (const { message, edits } of HISTORY) {
    for (const [path, content, exec] of edits) {
      if (content === null) await call('git_delete_file', { repo_path: repo, path });
      else await call('git_write_file', { repo_path: repo, path, content, ...(exec ? { executable: true } : {}) });
    }
    await call('git_add', { repo_path: repo, files: ['.'] });
    await call('git_commit', { repo_path: repo, message });
  }
}

describe('native git against edgehub', () => {
  it('clones a repository made with the tools; fsck is clean; git log matches git_log; trees match native edits', async () => {
    const repo = repoName('native');
    await buildWithTools(repo);
    const dir = join(work, repo);
    git(work, 'clone', '-q', `${base()}/git/${repo}`, dir);
    git(dir, 'fsck', '--full', '--strict');

    const native = git(dir, 'log', '--format=%H%x09%an%x09%ae%x09%s')
      .split('\n')
      .map((l) => l.split('\t'));
    const tools = (await call('git_log', { repo_path: repo, max_count: 100 })).structuredContent.commits;
    expect(native.map(([hash, name, email, subject]) => ({ hash, name, email, subject }))).toEqual(
      tools.map((c: any) => ({ hash: c.hash, name: c.author, email: c.email, subject: c.message })),
    );
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# demo\n\nmore\n');
    expect(git(dir, 'ls-files', '-s', 'bin/run.sh')).toMatch(/^100755 /);
    expect(git(dir, 'status', '--porcelain')).toBe('');

    // The same edits made by native git give the same tree ids, commit by commit.
    const local = join(work, `${repo}-local`);
    mkdirSync(local);
    git(local, 'init', '-q');
    const nativeTrees: string[] = [];
    for (const { message, edits } of HISTORY) {
      for (const [path, content, exec] of edits) {
        if (content === null) git(local, 'rm', '-q', path);
        else {
          mkdirSync(join(local, path, '..'), { recursive: true });
          writeFileSync(join(local, path), content);
          if (exec) chmodSync(join(local, path), 0o755);
        }
      }
      git(local, 'add', '-A');
      git(local, 'commit', '-q', '-m', message);
      nativeTrees.push(git(local, 'rev-parse', 'HEAD^{tree}'));
    }
    const edgeTrees = git(dir, 'log', '--reverse', '--format=%T').split('\n');
    expect(edgeTrees).toEqual(nativeTrees);
  });

  it('a native push (commit, new branch, tag) is visible to the tools; a stale push is rejected', async () => {
    const repo = repoName('push');
    await buildWithTools(repo);
    const dir = join(work, repo);
    git(work, 'clone', '-q', `${base()}/git/${repo}`, dir);
    writeFileSync(join(dir, 'pushed.txt'), 'from native git\n');
    git(dir, 'add', 'pushed.txt');
    git(dir, 'commit', '-q', '-m', 'pushed by native git');
    const head = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'push', '-q', 'origin', 'main');
    git(dir, 'push', '-q', 'origin', 'HEAD:refs/heads/from-native');
    git(dir, 'tag', '-a', 'v9', '-m', 'native tag');
    git(dir, 'push', '-q', 'origin', 'v9');

    const log = (await call('git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0];
    expect(log.hash).toBe(head);
    expect(log.message).toBe('pushed by native git');
    // The checked-out branch was updated in place: working tree and index follow the push.
    expect((await call('git_status', { repo_path: repo })).structuredContent.clean).toBe(true);
    expect((await call('git_read_file', { repo_path: repo, path: 'pushed.txt' })).content[0].text).toBe('from native git\n');
    expect((await call('git_branch', { repo_path: repo, branch_type: 'local' })).content[0].text).toContain('from-native');
    expect((await call('git_show', { repo_path: repo, revision: 'v9' })).structuredContent.hash).toBe(head);

    // Someone commits through the tools; a push from the stale clone is refused, nothing lost.
    await call('git_write_file', { repo_path: repo, path: 'edge.txt', content: 'edge\n' });
    await call('git_add', { repo_path: repo, files: ['edge.txt'] });
    const edge = (await call('git_commit', { repo_path: repo, message: 'edge side' })).structuredContent.hash;
    writeFileSync(join(dir, 'stale.txt'), 'stale\n');
    git(dir, 'add', 'stale.txt');
    git(dir, 'commit', '-q', '-m', 'stale');
    expect(() => git(dir, 'push', '-q', 'origin', 'main')).toThrow();
    expect((await call('git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].hash).toBe(edge);
    // After a pull the push goes through, and a fresh clone is still fsck-clean.
    git(dir, 'pull', '-q', '--no-rebase', 'origin', 'main');
    git(dir, 'push', '-q', 'origin', 'main');
    expect((await call('git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].parents).toHaveLength(2);
    const again = join(work, `${repo}-again`);
    git(work, 'clone', '-q', `${base()}/git/${repo}`, again);
    git(again, 'fsck', '--full', '--strict');
    git(dir, 'push', '-q', 'origin', '--delete', 'from-native');
    expect((await call('git_branch', { repo_path: repo, branch_type: 'local' })).content[0].text).not.toContain('from-native');
  });

  it('5 MCP sessions × 20 concurrent commits: 100 commits in history, a native clone is fsck-clean', async () => {
    const repo = repoName('conc');
    await call('git_init', { repo_path: repo });
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const c = new Client({ name: 'e2e-git-conc', version: '1.0.0' });
        await c.connect(new StreamableHTTPClientTransport(new URL('/mcp', base())));
        return c;
      }),
    );
    const run = async (c: Client, name: string, args: Record<string, unknown>) => {
      const r = (await c.callTool({ name, arguments: args })) as { isError?: boolean; content: { text: string }[] };
      if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
    };
    try {
      await Promise.all(
        clients.flatMap((c, s) =>
          Array.from({ length: 20 }, async (_, i) => {
            const path = `s${s}/f${i}.txt`;
            await run(c, 'git_write_file', { repo_path: repo, path, content: `${s}-${i}\n` });
            await run(c, 'git_add', { repo_path: repo, files: [path] });
            await run(c, 'git_commit', { repo_path: repo, message: `s${s}-c${i}` });
          }),
        ),
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const dir = join(work, repo);
    git(work, 'clone', '-q', `${base()}/git/${repo}`, dir);
    git(dir, 'fsck', '--full', '--strict');
    const subjects = git(dir, 'log', '--format=%s').split('\n');
    expect(subjects).toHaveLength(100);
    expect(new Set(subjects).size).toBe(100);
    expect(git(dir, 'ls-files').split('\n')).toHaveLength(100);
  });

  it('unknown repositories are 404; a bad service is refused', async () => {
    expect((await fetch(`${base()}/git/${repoName('none')}/info/refs?service=git-upload-pack`)).status).toBe(404);
    expect((await fetch(`${base()}/git/x/info/refs`)).status).toBe(403);
  });
});

describe('git_clone / git_push against a native git http-backend', () => {
  let backend: { url: string; stop(): Promise<void> } | undefined;
  let remoteUrl: string;
  let bare: string;

  beforeAll(async () => {
    const root = join(work, 'http-backend');
    mkdirSync(root);
    bare = join(root, 'upstream.git');
    git(root, 'init', '-q', '--bare', bare);
    git(bare, 'config', 'http.receivepack', 'true');
    const seed = join(work, 'seed');
    mkdirSync(seed);
    git(seed, 'init', '-q');
    for (let i = 1; i <= 3; i++) {
      writeFileSync(join(seed, `f${i}.txt`), `file ${i}\n`);
      git(seed, 'add', '.');
      git(seed, 'commit', '-q', '-m', `upstream ${i}`);
    }
    git(seed, 'push', '-q', bare, 'main');
    backend = await startHttpBackend(root, GIT_ENV);
    remoteUrl = `${backend.url}/upstream.git`;
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('git_clone copies the remote; git_push sends a commit back; the token is never echoed', async () => {
    const repo = repoName('cloned');
    const token = `tok-${crypto.randomUUID()}`;
    const cloned = await call('git_clone', { repo_path: repo, url: remoteUrl, token });
    expect(cloned.content[0].text).toContain(repo);
    expect(JSON.stringify(cloned)).not.toContain(token);
    const tools = (await call('git_log', { repo_path: repo })).structuredContent.commits.map((c: any) => c.hash);
    expect(tools).toEqual(git(bare, 'log', '--format=%H', 'main').split('\n'));
    expect((await call('git_read_file', { repo_path: repo, path: 'f2.txt' })).content[0].text).toBe('file 2\n');

    await call('git_write_file', { repo_path: repo, path: 'from-edge.txt', content: 'edge\n' });
    await call('git_add', { repo_path: repo, files: ['.'] });
    const hash = (await call('git_commit', { repo_path: repo, message: 'from edgehub' })).structuredContent.hash;
    const pushed = await call('git_push', { repo_path: repo, token });
    expect(JSON.stringify(pushed)).not.toContain(token);
    expect(git(bare, 'rev-parse', 'main')).toBe(hash);
    git(bare, 'fsck', '--full', '--strict');
    expect(git(bare, 'show', 'main:from-edge.txt')).toBe('edge');

    // A new upstream commit arrives with git_pull.
    const seed = join(work, 'seed');
    git(seed, 'pull', '-q', bare, 'main');
    writeFileSync(join(seed, 'later.txt'), 'later\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '-q', '-m', 'upstream later');
    git(seed, 'push', '-q', bare, 'main');
    await call('git_pull', { repo_path: repo });
    expect((await call('git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].message).toBe('upstream later');
    expect((await call('git_read_file', { repo_path: repo, path: 'later.txt' })).content[0].text).toBe('later\n');
  });
});
