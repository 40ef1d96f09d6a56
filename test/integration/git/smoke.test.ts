import { describe, expect, it } from 'vitest';
import { fixture, ok, session, tool, text } from '../../helpers/git';

describe('git smoke', () => {
  it('init, write, add, commit, status, log, show', async () => {
    const sid = await session();
    const repo = await fixture(sid);
    const st = await ok(sid, 'git_status', { repo_path: repo });

    const log = await ok(sid, 'git_log', { repo_path: repo });

    const show = await ok(sid, 'git_show', { repo_path: repo, revision: 'HEAD' });

    expect(log).toContain('initial commit');
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'modified content\n' });


    const r = await tool(sid, 'git_checkout', { repo_path: repo, branch_name: 'nope' });

  });
});
