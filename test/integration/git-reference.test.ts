// The 43 reference test cases of mcp-server-git 0.6.2 (docs/git-reference.md), ported to
// edgehub: every call goes through /mcp as `git_*` tools, inside workerd with the real Repo DO
// and R2. Fixture: new repo; write test.txt = "test"; add; commit "initial commit".
// Assertions are substring checks unless the reference says "exact".
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitFile, fixture, ok, session, text, tool } from '../helpers/git';

let sid: string;
beforeAll(async () => {
  sid = await session();
});

const status = async (repo: string) => (await tool(sid, 'git_status', { repo_path: repo })).structuredContent;
const headMessage = async (repo: string) => (await tool(sid, 'git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].message;
const expectRefused = (r: { isError?: boolean; content: { text: string }[] }, message: string) => {
  expect(r.isError).toBe(true);
  expect(r.content[0].text).toBe(message);
};

describe('checkout and branch (1–7)', () => {
  it('1 checkout of an existing branch switches to it', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'test-branch' });
    const t = await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'test-branch' });
    expect(t).toContain("Switched to branch 'test-branch'");
    expect((await status(repo)).branch).toBe('test-branch');
    expect(await ok(sid, 'git_status', { repo_path: repo })).toContain('On branch test-branch');
  });

  it('2 checkout of a missing branch is an error', async () => {
    const repo = await fixture(sid);
    const r = await tool(sid, 'git_checkout', { repo_path: repo, branch_name: 'nonexistent-branch' });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('nonexistent-branch');
    expect((await status(repo)).branch).toBe('main');
  });

  it('3 branch local lists a new branch', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'new-branch-local' });
    const t = await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local' });
    expect(t).toContain('new-branch-local');
    expect(t).toContain('* main');
  });

  it('4 branch remote on a repository without remotes is empty', async () => {
    const repo = await fixture(sid);
    const r = await tool(sid, 'git_branch', { repo_path: repo, branch_type: 'remote' });
    expect(r.isError).toBeFalsy();
    expect(text(r).trim()).toBe('');
    expect(r.structuredContent.branches).toEqual([]);
  });

  it('5 branch all lists a new branch', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'new-branch-all' });
    expect(await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'all' })).toContain('new-branch-all');
  });

  async function featureRepo() {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'feature-branch' });
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'feature-branch' });
    const sha = await commitFile(sid, repo, 'feature.txt', 'feature', 'feature commit');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' });
    return { repo, sha };
  }

  it('6 branch contains=<feature-only commit> lists the feature branch, not the default', async () => {
    const { repo, sha } = await featureRepo();
    const t = await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local', contains: sha });
    expect(t).toContain('feature-branch');
    expect(t).not.toContain('main');
  });

  it('7 branch not_contains=<feature-only commit> lists the default, not the feature branch', async () => {
    const { repo, sha } = await featureRepo();
    const t = await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local', not_contains: sha });
    expect(t).not.toContain('feature-branch');
    expect(t).toContain('main');
  });
});

describe('add (8–11)', () => {
  it('8 add ["."] stages a new file (exact text)', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'new_file.txt', content: 'new content' });
    const r = await tool(sid, 'git_add', { repo_path: repo, files: ['.'] });
    expect(text(r)).toBe('Files staged successfully');
    expect((await status(repo)).staged).toEqual([{ path: 'new_file.txt', status: 'new file' }]);
  });

  it('9 add of one of two new files stages only that one', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'file1.txt', content: 'one' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'file2.txt', content: 'two' });
    expect(await ok(sid, 'git_add', { repo_path: repo, files: ['file1.txt'] })).toBe('Files staged successfully');
    const s = await status(repo);
    expect(s.staged.map((x: any) => x.path)).toEqual(['file1.txt']);
    expect(s.untracked).toEqual(['file2.txt']);
  });

  it('10 add ../outside.txt is refused and nothing is staged', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'inside.txt', content: 'x' });
    const r = await tool(sid, 'git_add', { repo_path: repo, files: ['inside.txt', '../outside.txt'] });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/outside the repository/);
    expect((await status(repo)).staged).toEqual([]);
  });

  it('11 add of an absolute path outside is refused', async () => {
    const repo = await fixture(sid);
    const r = await tool(sid, 'git_add', { repo_path: repo, files: ['/tmp/outside.txt'] });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/outside the repository/);
    expect((await status(repo)).staged).toEqual([]);
  });
});

describe('status and diffs (12–17)', () => {
  it('12 status says which branch', async () => {
    const repo = await fixture(sid);
    const t = await ok(sid, 'git_status', { repo_path: repo });
    expect(t).toContain('Repository status:');
    expect(t).toContain('On branch');
  });

  it('13 diff_unstaged after editing test.txt shows the file and the new content', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'modified content' });
    const t = await ok(sid, 'git_diff_unstaged', { repo_path: repo });
    expect(t).toContain('test.txt');
    expect(t).toContain('+modified content');
    expect(t).toContain('-test');
  });

  it('14 diff_unstaged on a clean tree is empty', async () => {
    const repo = await fixture(sid);
    const r = await tool(sid, 'git_diff_unstaged', { repo_path: repo });
    expect(text(r)).toBe('Unstaged changes:\n');
    expect(r.structuredContent.files).toEqual([]);
  });

  it('15 diff_staged shows a staged new file and its content', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'staged_file.txt', content: 'staged content' });
    await ok(sid, 'git_add', { repo_path: repo, files: ['staged_file.txt'] });
    const t = await ok(sid, 'git_diff_staged', { repo_path: repo });
    expect(t).toContain('staged_file.txt');
    expect(t).toContain('+staged content');
  });

  it('16 diff_staged is empty when nothing is staged', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'unstaged edit' });
    expect(await ok(sid, 'git_diff_staged', { repo_path: repo })).toBe('Staged changes:\n');
  });

  it('17 git_diff(<default branch>) on a feature branch shows its change', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'feature-diff' });
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'feature-diff' });
    await commitFile(sid, repo, 'test.txt', 'feature changes', 'feature change');
    const t = await ok(sid, 'git_diff', { repo_path: repo, target: 'main' });
    expect(t).toContain('Diff with main:');
    expect(t).toContain('test.txt');
    expect(t).toContain('+feature changes');
  });
});

describe('commit, reset, log (18–21)', () => {
  it('18 commit returns the hash and HEAD has the message', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'updated' });
    await ok(sid, 'git_add', { repo_path: repo, files: ['test.txt'] });
    const t = await ok(sid, 'git_commit', { repo_path: repo, message: 'Test commit message' });
    expect(t).toMatch(/^Changes committed successfully with hash [0-9a-f]{40}$/);
    expect(await headMessage(repo)).toBe('Test commit message');
    const hash = t.slice(-40);
    expect((await tool(sid, 'git_log', { repo_path: repo, max_count: 1 })).structuredContent.commits[0].hash).toBe(hash);
  });

  it('19 reset unstages everything (exact text)', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'reset_test.txt', content: 'x' });
    await ok(sid, 'git_add', { repo_path: repo, files: ['reset_test.txt'] });
    expect((await status(repo)).staged).toHaveLength(1);
    expect(await ok(sid, 'git_reset', { repo_path: repo })).toBe('All staged changes reset');
    const s = await status(repo);
    expect(s.staged).toEqual([]);
    expect(s.untracked).toEqual(['reset_test.txt']);
  });

  it('20 log max_count=2 after three more commits returns exactly two full entries', async () => {
    const repo = await fixture(sid);
    for (let i = 0; i < 3; i++) await commitFile(sid, repo, `file${i}.txt`, `content ${i}`, `commit ${i}`);
    const t = await ok(sid, 'git_log', { repo_path: repo, max_count: 2 });
    const entries = t.replace(/^Commit history:\n/, '').split(/\n(?=Commit: )/);
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e).toMatch(/^Commit: [0-9a-f]{40}\nAuthor: .+ <.+>\nDate: .+\nMessage: .+\n$/);
    expect(entries[0]).toContain('commit 2');
    expect(entries[1]).toContain('commit 1');
  });

  it('21 default log includes the initial commit', async () => {
    const repo = await fixture(sid);
    const t = await ok(sid, 'git_log', { repo_path: repo });
    expect(t).toContain('Commit history:');
    expect(t).toContain('initial commit');
  });
});

describe('create_branch and show (22–25)', () => {
  it('22 create_branch creates the branch', async () => {
    const repo = await fixture(sid);
    expect(await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'new-feature-branch' })).toContain("Created branch 'new-feature-branch'");
    expect(await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local' })).toContain('new-feature-branch');
  });

  it('23 create_branch from a base names the base', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'base-branch' });
    const t = await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'derived-branch', base_branch: 'base-branch' });
    expect(t).toBe("Created branch 'derived-branch' from 'base-branch'");
  });

  it('24 show HEAD has commit, author, message and file name', async () => {
    const repo = await fixture(sid);
    await commitFile(sid, repo, 'show_test.txt', 'show content', 'Show test commit');
    const t = await ok(sid, 'git_show', { repo_path: repo, revision: 'HEAD' });
    expect(t).toContain('Commit:');
    expect(t).toContain('Author:');
    expect(t).toContain('Show test commit');
    expect(t).toContain('show_test.txt');
    expect(t).toContain('+show content');
  });

  it('25 show of the root commit lists its file as an addition', async () => {
    const repo = await fixture(sid);
    await commitFile(sid, repo, 'second.txt', 'two', 'second commit');
    const commits = (await tool(sid, 'git_log', { repo_path: repo })).structuredContent.commits;
    const root = commits[commits.length - 1].hash;
    const t = await ok(sid, 'git_show', { repo_path: repo, revision: root });
    expect(t).toContain('initial commit');
    expect(t).toContain('test.txt');
    expect(t).toContain('+test'); // additions as additions (the reference prints them reversed)
    expect(t).not.toContain('-test');
  });
});

describe('repository scoping (26–31)', () => {
  const escapes: [number, string][] = [
    [26, '..'],
    [27, '../other-repo'],
    [28, '/etc/passwd'],
    [29, '/repos/../../etc'],
    [30, 'other-tenant:demo'],
  ];
  for (const [n, repoPath] of escapes) {
    it(`${n} repo_path ${JSON.stringify(repoPath)} is refused by every tool`, async () => {
      for (const [name, args] of [
        ['git_status', {}],
        ['git_log', {}],
        ['git_write_file', { path: 'x.txt', content: 'x' }],
        ['git_init', {}],
      ] as const) {
        const r = await tool(sid, name, { repo_path: repoPath, ...args });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/^Invalid repo_path/);
      }
    });
  }

  it("31 another tenant's repository of the same name is a different, unreachable store", async () => {
    const repo = await fixture(sid);
    const actor = { name: 'x', email: 'x@x' };
    // The same name under another tenant is another Durable Object with nothing in it.
    const other = env.REPO.get(env.REPO.idFromName(`other-tenant:${repo}`));
    const r = (await other.call({ tenant: 'other-tenant', repo, tool: 'status', args: { repo_path: repo }, actor })) as any;
    expect(r.isError).toBe(true);
    expect(r.content[0].text).toMatch(/does not exist/);
    // And a repository's store refuses to serve any other identity.
    const mine = env.REPO.get(env.REPO.idFromName(`default:${repo}`));
    const r2 = (await mine.call({ tenant: 'other-tenant', repo, tool: 'status', args: { repo_path: repo }, actor })) as any;
    expect(r2.isError).toBe(true);
    // list_repos shows only this tenant's repositories.
    const listed = (await tool(sid, 'git_list_repos')).structuredContent.repos;
    expect(listed).toContain(repo);
  });
});

describe('leading-dash refusals and revision syntax (32–43)', () => {
  it('32 git_diff refuses option-like targets', async () => {
    const repo = await fixture(sid);
    for (const target of ['--output=/tmp/evil', '--help', '-p']) {
      expectRefused(await tool(sid, 'git_diff', { repo_path: repo, target }), `Invalid target: '${target}' - cannot start with '-'`);
    }
  });

  it('33 checkout refuses option-like branch names', async () => {
    const repo = await fixture(sid);
    for (const b of ['--help', '--orphan=evil', '-f']) {
      expectRefused(await tool(sid, 'git_checkout', { repo_path: repo, branch_name: b }), `Invalid branch_name: '${b}' - cannot start with '-'`);
    }
    expect((await status(repo)).branch).toBe('main');
  });

  it('34 git_diff accepts a branch, HEAD~1 and a full sha', async () => {
    const repo = await fixture(sid);
    const first = (await tool(sid, 'git_log', { repo_path: repo })).structuredContent.commits[0].hash;
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'other' });
    await commitFile(sid, repo, 'test.txt', 'second version', 'second');
    for (const target of ['other', 'HEAD~1', 'HEAD^', first, first.slice(0, 7)]) {
      const t = await ok(sid, 'git_diff', { repo_path: repo, target });
      expect(t).toContain(`Diff with ${target}:`);
      expect(t).toContain('+second version');
    }
    expect(await ok(sid, 'git_diff', { repo_path: repo, target: 'HEAD' })).toBe('Diff with HEAD:\n');
  });

  it('35 checkout back and forth', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'feature' });
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'feature' });
    await commitFile(sid, repo, 'feature.txt', 'f', 'feature work');
    expect(await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' })).toBe("Switched to branch 'main'");
    expect((await status(repo)).branch).toBe('main');
    expect((await tool(sid, 'git_read_file', { repo_path: repo, path: 'feature.txt' })).isError).toBe(true);
    expect(await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'feature' })).toBe("Switched to branch 'feature'");
    expect(await ok(sid, 'git_read_file', { repo_path: repo, path: 'feature.txt' })).toBe('f');
    expect((await status(repo)).clean).toBe(true);
  });

  it('36 a ref named --output=evil.txt is refused by git_diff and creates nothing', async () => {
    const repo = await fixture(sid);
    expectRefused(
      await tool(sid, 'git_create_branch', { repo_path: repo, branch_name: '--output=evil.txt' }),
      "Invalid branch_name: '--output=evil.txt' - cannot start with '-'",
    );
    expectRefused(await tool(sid, 'git_diff', { repo_path: repo, target: '--output=evil.txt' }), "Invalid target: '--output=evil.txt' - cannot start with '-'");
    expect((await tool(sid, 'git_list_files', { repo_path: repo })).structuredContent.files.map((f: any) => f.path)).toEqual(['test.txt']);
    expect(await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'all' })).toBe('* main');
  });

  it('37 show refuses an option-like revision', async () => {
    const repo = await fixture(sid);
    expectRefused(
      await tool(sid, 'git_show', { repo_path: repo, revision: '--output=/tmp/evil' }),
      "Invalid revision: '--output=/tmp/evil' - cannot start with '-'",
    );
  });

  it('38 create_branch refuses an option-like name', async () => {
    const repo = await fixture(sid);
    expectRefused(await tool(sid, 'git_create_branch', { repo_path: repo, branch_name: '-D' }), "Invalid branch_name: '-D' - cannot start with '-'");
  });

  it('39 create_branch refuses an option-like base', async () => {
    const repo = await fixture(sid);
    expectRefused(
      await tool(sid, 'git_create_branch', { repo_path: repo, branch_name: 'ok-name', base_branch: '--orphan' }),
      "Invalid base_branch: '--orphan' - cannot start with '-'",
    );
    expect(await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local' })).not.toContain('ok-name');
  });

  it('40 log refuses an option-like start_timestamp', async () => {
    const repo = await fixture(sid);
    expectRefused(await tool(sid, 'git_log', { repo_path: repo, start_timestamp: '--all' }), "Invalid start_timestamp: '--all' - cannot start with '-'");
  });

  it('41 log refuses an option-like end_timestamp', async () => {
    const repo = await fixture(sid);
    expectRefused(await tool(sid, 'git_log', { repo_path: repo, end_timestamp: '-1' }), "Invalid end_timestamp: '-1' - cannot start with '-'");
  });

  it('42 branch refuses an option-like contains', async () => {
    const repo = await fixture(sid);
    expectRefused(
      await tool(sid, 'git_branch', { repo_path: repo, branch_type: 'local', contains: '--evil' }),
      "Invalid contains: '--evil' - cannot start with '-'",
    );
  });

  it('43 branch refuses an option-like not_contains', async () => {
    const repo = await fixture(sid);
    expectRefused(
      await tool(sid, 'git_branch', { repo_path: repo, branch_type: 'local', not_contains: '-x' }),
      "Invalid not_contains: '-x' - cannot start with '-'",
    );
  });
});
