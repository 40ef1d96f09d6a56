// Exact reply texts of the main tools on a tiny repository (the formats agents parse).
import { describe, expect, it } from 'vitest';
import { fixture, ok, session, text, tool } from '../../helpers/git';

describe('reply formats', () => {
  it('status, log, show and diffs print git-style text', async () => {
    const sid = await session();
    const repo = await fixture(sid);
    expect(await ok(sid, 'git_status', { repo_path: repo })).toBe('Repository status:\nOn branch main\n\nnothing to commit, working tree clean\n');

    const log = (await tool(sid, 'git_log', { repo_path: repo })).structuredContent.commits[0];
    expect(log.date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/);
    const header = `Commit: ${log.hash}\nAuthor: dev <dev@users.edgehub.local>\nDate: ${log.date}\nMessage: initial commit\n`;
    expect(await ok(sid, 'git_log', { repo_path: repo })).toBe(`Commit history:\n${header}`);
    expect(await ok(sid, 'git_show', { repo_path: repo, revision: 'HEAD' })).toBe(
      `${header}\n--- /dev/null\n+++ b/test.txt\n@@ -0,0 +1 @@\n+test\n\\ No newline at end of file\n`,
    );

    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'modified content\n' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'new.txt', content: 'n' });
    expect(await ok(sid, 'git_diff_unstaged', { repo_path: repo })).toBe(
      'Unstaged changes:\ndiff --git a/test.txt b/test.txt\nindex 30d74d2..8f23831 100644\n--- a/test.txt\n+++ b/test.txt\n@@ -1 +1 @@\n-test\n\\ No newline at end of file\n+modified content\n',
    );
    expect(await ok(sid, 'git_status', { repo_path: repo })).toBe(
      'Repository status:\nOn branch main\n\nChanges not staged for commit:\n\tmodified:   test.txt\n\nUntracked files:\n\tnew.txt\n\nno changes added to commit\n',
    );
    await ok(sid, 'git_add', { repo_path: repo, files: ['new.txt'] });
    expect(await ok(sid, 'git_diff_staged', { repo_path: repo })).toBe(
      'Staged changes:\ndiff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..ef073cc\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+n\n\\ No newline at end of file\n',
    );
    const r = await tool(sid, 'git_checkout', { repo_path: repo, branch_name: 'nope' });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe("Unknown branch: 'nope' (see git_branch for the branches of this repository)");
  });
});
