// The git tools beyond the reference (merge, tag, rm, file tools, reset --hard, remotes, date
// filters, revision syntax) and the catalog itself, through /mcp inside workerd.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitFile, fixture, ok, session, text, tool, uniqueRepo } from '../../helpers/git';
import { request } from '../../helpers/rpc';

let sid: string;
beforeAll(async () => {
  sid = await session();
});

const sc = async (name: string, args: Record<string, unknown>) => {
  const r = await tool(sid, name, args);
  if (r.isError) throw new Error(`${name}: ${text(r)}`);
  return r.structuredContent;
};

describe('catalog', () => {
  it('exposes git_* tools with the reference annotations and output schemas', async () => {
    const tools = (await request(sid, 'tools/list')).result.tools as any[];
    const byName = new Map(tools.map((t) => [t.name, t]));
    const hints = (n: string) => {
      const a = byName.get(n).annotations;
      return [a.readOnlyHint, a.destructiveHint, a.idempotentHint, a.openWorldHint];
    };
    for (const n of ['git_status', 'git_diff_unstaged', 'git_diff_staged', 'git_diff', 'git_log', 'git_show', 'git_branch'])
      expect(hints(n)).toEqual([true, false, true, false]);
    for (const n of ['git_commit', 'git_create_branch', 'git_checkout']) expect(hints(n)).toEqual([false, false, false, false]);
    expect(hints('git_add')).toEqual([false, false, true, false]);
    expect(hints('git_reset')).toEqual([false, true, true, false]);
    for (const n of [
      'init',
      'clone',
      'fetch',
      'pull',
      'push',
      'merge',
      'tag',
      'remote',
      'rm',
      'list_repos',
      'write_file',
      'read_file',
      'list_files',
      'delete_file',
    ]) {
      expect(byName.has(`git_${n}`)).toBe(true);
    }
    for (const t of tools.filter((t) => t.name.startsWith('git_'))) {
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema.type).toBe('object');
    }
    expect(byName.get('git_diff').inputSchema.required).toEqual(['repo_path', 'target']);
    expect(byName.get('git_log').inputSchema.properties.max_count.default).toBe(10);
  });

  it('structuredContent carries every required output field', async () => {
    const repo = await fixture(sid);
    const tools = (await request(sid, 'tools/list')).result.tools as any[];
    const schema = (n: string) => tools.find((t) => t.name === n).outputSchema;
    for (const [name, args] of [
      ['git_status', {}],
      ['git_log', {}],
      ['git_show', { revision: 'HEAD' }],
      ['git_branch', { branch_type: 'all' }],
      ['git_diff_staged', {}],
    ] as const) {
      const r = await tool(sid, name, { repo_path: repo, ...args });
      for (const key of schema(name).required ?? []) expect(r.structuredContent).toHaveProperty(key);
    }
  });

  it('invalid arguments are isError results naming the field; unknown tools are protocol errors', async () => {
    const r = await tool(sid, 'git_add', { repo_path: 'x', files: 'not-an-array' });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('files');
    const u = await request(sid, 'tools/call', { name: 'git_nope', arguments: {} });
    expect(u.error.code).toBe(-32602);
  });

  it('a missing repository is a clear error and creates no storage', async () => {
    const name = uniqueRepo('missing');
    const r = await tool(sid, 'git_status', { repo_path: name });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/does not exist.*git_init/);
    const stub = env.REPO.get(env.REPO.idFromName(`default:${name}`));
    const tables = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray());
    expect(tables.map((t: any) => t.name)).not.toContain('repo_meta');
  });
});

describe('files', () => {
  it('write, read, list and delete files; paths cannot escape or touch .git', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'src/lib/a.ts', content: 'export {}\n' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'bin.dat', content: btoa('\xff\xfe\x00'), encoding: 'base64' });
    expect((await sc('git_read_file', { repo_path: repo, path: 'bin.dat', encoding: 'base64' })).content).toBe(btoa('\xff\xfe\x00'));
    expect((await tool(sid, 'git_read_file', { repo_path: repo, path: 'bin.dat' })).isError).toBe(true);
    expect(await ok(sid, 'git_list_files', { repo_path: repo })).toBe('bin.dat\nsrc/lib/a.ts\ntest.txt');
    expect(await ok(sid, 'git_list_files', { repo_path: repo, recursive: false })).toBe('bin.dat\nsrc/\ntest.txt');
    expect(await ok(sid, 'git_list_files', { repo_path: repo, path: 'src' })).toBe('src/lib/a.ts');
    expect((await sc('git_write_file', { repo_path: repo, path: 'test.txt', content: 'test' })).changed).toBe(false);
    await ok(sid, 'git_delete_file', { repo_path: repo, path: 'src/lib/a.ts' });
    expect(await ok(sid, 'git_list_files', { repo_path: repo, recursive: false })).toBe('bin.dat\ntest.txt');
    for (const path of ['../x', '/etc/passwd', '.git/config', 'a/../../x', 'sub/.git/hooks/x']) {
      for (const name of ['git_write_file', 'git_read_file', 'git_delete_file']) {
        const r = await tool(sid, name, { repo_path: repo, path, content: 'x' });
        expect(r.isError, `${name} ${path}`).toBe(true);
        expect(text(r)).toMatch(/^Invalid path/);
      }
    }
    expect(await ok(sid, 'git_read_file', { repo_path: repo, path: 'test.txt', revision: 'HEAD' })).toBe('test');
  });

  it('status shows untracked directories collapsed and honours .gitignore; add ["."] stages deletions', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'newdir/a.txt', content: 'a' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'newdir/b/c.txt', content: 'c' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: '.gitignore', content: '*.log\n' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'debug.log', content: 'noise' });
    await ok(sid, 'git_delete_file', { repo_path: repo, path: 'test.txt' });
    const s = await sc('git_status', { repo_path: repo });
    expect(s.untracked).toEqual(['.gitignore', 'newdir/']);
    expect(s.unstaged).toEqual([{ path: 'test.txt', status: 'deleted' }]);
    await ok(sid, 'git_add', { repo_path: repo, files: ['.'] });
    const after = await sc('git_status', { repo_path: repo });
    expect(after.staged.map((x: any) => `${x.status}:${x.path}`)).toEqual([
      'new file:.gitignore',
      'new file:newdir/a.txt',
      'new file:newdir/b/c.txt',
      'deleted:test.txt',
    ]);
    expect(after.untracked).toEqual([]);
    const add = await tool(sid, 'git_add', { repo_path: repo, files: ['debug.log'] });
    expect(add.isError).toBe(true);
    expect((await tool(sid, 'git_add', { repo_path: repo, files: ['nope.txt'] })).isError).toBe(true);
  });

  it('rm removes from index and tree; reset hard restores the tree', async () => {
    const repo = await fixture(sid);
    await commitFile(sid, repo, 'other.txt', 'other', 'add other');
    expect(await ok(sid, 'git_rm', { repo_path: repo, files: ['other.txt'] })).toContain('other.txt');
    expect((await sc('git_status', { repo_path: repo })).staged).toEqual([{ path: 'other.txt', status: 'deleted' }]);
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'scribble' });
    await ok(sid, 'git_write_file', { repo_path: repo, path: 'staged-new.txt', content: 'n' });
    await ok(sid, 'git_add', { repo_path: repo, files: ['staged-new.txt'] });
    expect(await ok(sid, 'git_reset', { repo_path: repo, hard: true })).toContain('working tree restored');
    const s = await sc('git_status', { repo_path: repo });
    expect(s.clean).toBe(true);
    expect(await ok(sid, 'git_read_file', { repo_path: repo, path: 'test.txt' })).toBe('test');
    expect(await ok(sid, 'git_read_file', { repo_path: repo, path: 'other.txt' })).toBe('other');
  });
});

describe('history', () => {
  it('merges fast-forward and true merges; reports conflicts and changes nothing', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'ff' });
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'ff' });
    const ffHead = await commitFile(sid, repo, 'ff.txt', 'ff', 'ff work');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' });
    expect((await sc('git_merge', { repo_path: repo, branch: 'ff' })).result).toBe('fast-forward');
    expect((await sc('git_log', { repo_path: repo, max_count: 1 })).commits[0].hash).toBe(ffHead);
    expect(await ok(sid, 'git_read_file', { repo_path: repo, path: 'ff.txt' })).toBe('ff');

    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'side' });
    await commitFile(sid, repo, 'main-only.txt', 'm', 'main work');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'side' });
    await commitFile(sid, repo, 'side-only.txt', 's', 'side work');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' });
    const m = await sc('git_merge', { repo_path: repo, branch: 'side' });
    expect(m.result).toBe('merge');
    const head = (await sc('git_log', { repo_path: repo, max_count: 1 })).commits[0];
    expect(head.parents).toHaveLength(2);
    expect(head.message).toBe("Merge branch 'side' into main");
    expect(await ok(sid, 'git_list_files', { repo_path: repo })).toBe('ff.txt\nmain-only.txt\nside-only.txt\ntest.txt');
    expect((await sc('git_status', { repo_path: repo })).clean).toBe(true);

    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'clash' });
    await commitFile(sid, repo, 'test.txt', 'main says', 'main edit');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'clash' });
    await commitFile(sid, repo, 'test.txt', 'clash says', 'clash edit');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' });
    const before = (await sc('git_log', { repo_path: repo, max_count: 1 })).commits[0].hash;
    const c = await tool(sid, 'git_merge', { repo_path: repo, branch: 'clash' });
    expect(c.isError).toBe(true);
    expect(text(c)).toMatch(/conflict.*test\.txt/i);
    expect((await sc('git_log', { repo_path: repo, max_count: 1 })).commits[0].hash).toBe(before);
    expect((await sc('git_status', { repo_path: repo })).clean).toBe(true);
  });

  it('tags: create lightweight and annotated, resolve them as revisions, list, delete', async () => {
    const repo = await fixture(sid);
    const first = (await sc('git_log', { repo_path: repo })).commits[0].hash;
    await commitFile(sid, repo, 'b.txt', 'b', 'second');
    await ok(sid, 'git_tag', { repo_path: repo, action: 'create', name: 'v1', target: 'HEAD~1' });
    await ok(sid, 'git_tag', { repo_path: repo, action: 'create', name: 'v2', message: 'release two' });
    const tags = (await sc('git_tag', { repo_path: repo })).tags;
    expect(tags.map((t: any) => t.name)).toEqual(['v1', 'v2']);
    expect(tags[0].commit).toBe(first);
    expect((await sc('git_show', { repo_path: repo, revision: 'v1' })).hash).toBe(first);
    expect((await sc('git_show', { repo_path: repo, revision: 'v2' })).message).toBe('second');
    expect((await sc('git_show', { repo_path: repo, revision: 'v2~1' })).hash).toBe(first);
    expect((await tool(sid, 'git_tag', { repo_path: repo, action: 'create', name: 'v1' })).isError).toBe(true);
    await ok(sid, 'git_tag', { repo_path: repo, action: 'delete', name: 'v1' });
    expect(await ok(sid, 'git_tag', { repo_path: repo })).toBe('v2');
    expect((await tool(sid, 'git_show', { repo_path: repo, revision: 'v1' })).isError).toBe(true);
  });

  it('log date filters and revision syntax', async () => {
    const repo = await fixture(sid);
    await commitFile(sid, repo, 'b.txt', 'b', 'second');
    await commitFile(sid, repo, 'c.txt', 'c', 'third');
    const all = (await sc('git_log', { repo_path: repo })).commits;
    expect(all.map((c: any) => c.message)).toEqual(['third', 'second', 'initial commit']);
    expect((await sc('git_log', { repo_path: repo, start_timestamp: '2 weeks ago' })).commits).toHaveLength(3);
    expect((await sc('git_log', { repo_path: repo, start_timestamp: 'yesterday', end_timestamp: 'now' })).commits).toHaveLength(3);
    expect((await sc('git_log', { repo_path: repo, end_timestamp: '2001-01-15' })).commits).toHaveLength(0);
    expect((await sc('git_log', { repo_path: repo, start_timestamp: 'Jan 15 2001' })).commits).toHaveLength(3);
    expect((await tool(sid, 'git_log', { repo_path: repo, start_timestamp: 'not a date' })).isError).toBe(true);
    expect((await sc('git_log', { repo_path: repo, revision: 'HEAD~1' })).commits.map((c: any) => c.message)).toEqual(['second', 'initial commit']);
    expect((await sc('git_show', { repo_path: repo, revision: 'HEAD~2' })).hash).toBe(all[2].hash);
    expect((await sc('git_show', { repo_path: repo, revision: 'HEAD^^' })).hash).toBe(all[2].hash);
    expect((await sc('git_show', { repo_path: repo, revision: all[1].hash.slice(0, 8) })).hash).toBe(all[1].hash);
    expect((await sc('git_show', { repo_path: repo, revision: 'main~1' })).hash).toBe(all[1].hash);
    const bad = await tool(sid, 'git_show', { repo_path: repo, revision: 'HEAD~9' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("Unknown revision 'HEAD~9'");
  });

  it('delete_branch needs force for unmerged work; remotes are validated', async () => {
    const repo = await fixture(sid);
    await ok(sid, 'git_create_branch', { repo_path: repo, branch_name: 'wip' });
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'wip' });
    await commitFile(sid, repo, 'w.txt', 'w', 'wip');
    await ok(sid, 'git_checkout', { repo_path: repo, branch_name: 'main' });
    expect(text(await tool(sid, 'git_delete_branch', { repo_path: repo, branch_name: 'wip' }))).toContain('not fully merged');
    await ok(sid, 'git_delete_branch', { repo_path: repo, branch_name: 'wip', force: true });
    expect(await ok(sid, 'git_branch', { repo_path: repo, branch_type: 'local' })).toBe('* main');

    await ok(sid, 'git_remote', { repo_path: repo, action: 'add', name: 'origin', url: 'https://example.com/x.git' });
    expect(await ok(sid, 'git_remote', { repo_path: repo })).toBe('origin\thttps://example.com/x.git');
    expect(text(await tool(sid, 'git_remote', { repo_path: repo, action: 'add', name: 'evil', url: 'file:///etc' }))).toMatch(/only https/);
    expect(text(await tool(sid, 'git_remote', { repo_path: repo, action: 'add', name: 'creds', url: 'https://u:p@example.com/x' }))).toMatch(/credentials/);
    await ok(sid, 'git_remote', { repo_path: repo, action: 'remove', name: 'origin' });
    expect(await ok(sid, 'git_remote', { repo_path: repo })).toBe('');
    const clone = await tool(sid, 'git_clone', { repo_path: uniqueRepo('cl'), url: 'ftp://example.com/x' });
    expect(clone.isError).toBe(true);
  });
});
