/**
 * Read-only reference tools: status, diff_unstaged, diff_staged, diff, log, show, branch.
 * Texts follow mcp-server-git 0.6.2 (docs/git-reference.md); structured results mirror them.
 */
import { parseDate } from '../dates';
import { commitData, commitText, isAncestor, walkLog } from '../history';
import { renderPatch } from '../patch';
import { protectedRefs } from '../protect';
import type { Repo } from '../repo';
import { resolveCommit } from '../revparse';
import { computeStatus, renderStatus } from '../status';
import { diffMaps, diffTrees, flatten } from '../tree';
import { noDash } from '../validate';
import { indexMap, readWorktree } from '../worktree';
import type { Handlers } from './types';

async function headTree(repo: Repo): Promise<string | null> {
  const head = repo.refs.resolve('HEAD');
  return head ? (await repo.readCommit(head)).tree : null;
}

export const inspectTools: Handlers<'status' | 'diff_unstaged' | 'diff_staged' | 'diff' | 'log' | 'show' | 'branch'> = {
  async status({ repo }) {
    const s = await computeStatus(repo);
    return { text: `Repository status:\n${renderStatus(s)}`, data: s };
  },

  async diff_unstaged({ repo }, { context_lines }) {
    const wt = await readWorktree(repo);
    const changes = diffMaps(indexMap(repo), wt.tracked);
    const p = await renderPatch(repo, changes, { context: context_lines, style: 'git', loadNew: (path) => repo.files.read(path) });
    return { text: `Unstaged changes:\n${p.text}`, data: { diff: p.text, files: p.files } };
  },

  async diff_staged({ repo }, { context_lines }) {
    const changes = diffMaps(await flatten(repo, await headTree(repo)), indexMap(repo));
    const p = await renderPatch(repo, changes, { context: context_lines, style: 'git' });
    return { text: `Staged changes:\n${p.text}`, data: { diff: p.text, files: p.files } };
  },

  async diff({ repo }, { target, context_lines }) {
    noDash('target', target);
    const oid = await resolveCommit(repo, target);
    const [base, wt] = await Promise.all([repo.readCommit(oid).then((c) => flatten(repo, c.tree)), readWorktree(repo)]);
    const p = await renderPatch(repo, diffMaps(base, wt.tracked), { context: context_lines, style: 'git', loadNew: (path) => repo.files.read(path) });
    return { text: `Diff with ${target}:\n${p.text}`, data: { target, target_commit: oid, diff: p.text, files: p.files } };
  },

  async log({ repo }, { max_count, start_timestamp, end_timestamp, revision }) {
    noDash('start_timestamp', start_timestamp);
    noDash('end_timestamp', end_timestamp);
    noDash('revision', revision);
    const since = start_timestamp ? parseDate('start_timestamp', start_timestamp, 'start') : undefined;
    const until = end_timestamp ? parseDate('end_timestamp', end_timestamp, 'end') : undefined;
    let start: string;
    if (revision) start = await resolveCommit(repo, revision);
    else {
      const head = repo.refs.resolve('HEAD');
      if (!head) return { text: 'Commit history:\n', data: { commits: [] } };
      start = head;
    }
    const commits = await walkLog(repo, start, { max: max_count, since, until });
    return { text: `Commit history:\n${commits.map(commitText).join('\n')}`, data: { commits: commits.map(commitData) } };
  },

  async show({ repo }, { revision }) {
    noDash('revision', revision);
    const oid = await resolveCommit(repo, revision);
    const c = await repo.readCommit(oid);
    const parentTree = c.parent[0] ? (await repo.readCommit(c.parent[0])).tree : null;
    const p = await renderPatch(repo, await diffTrees(repo, parentTree, c.tree), { context: 3, style: 'show' });
    return { text: `${commitText(c)}${p.text}`, data: { ...commitData(c), diff: p.text, files: p.files } };
  },

  async branch({ repo }, { branch_type, contains, not_contains }) {
    noDash('contains', contains);
    noDash('not_contains', not_contains);
    const want = contains ? await resolveCommit(repo, contains) : null;
    const avoid = not_contains ? await resolveCommit(repo, not_contains) : null;
    const currentRef = repo.refs.target('HEAD');
    const refs: { ref: string; oid: string; remote: boolean }[] = [];
    if (branch_type !== 'remote') for (const [ref, oid] of repo.refs.list('refs/heads/')) refs.push({ ref, oid, remote: false });
    if (branch_type !== 'local') {
      for (const [ref, oid] of repo.refs.list('refs/remotes/')) if (!ref.endsWith('/HEAD')) refs.push({ ref, oid, remote: true });
    }
    const guarded = protectedRefs(repo);
    const branches = [];
    for (const r of refs) {
      if (want && !(await isAncestor(repo, want, r.oid))) continue;
      if (avoid && (await isAncestor(repo, avoid, r.oid))) continue;
      const short = r.remote ? r.ref.slice('refs/remotes/'.length) : r.ref.slice('refs/heads/'.length);
      const name = r.remote && branch_type === 'all' ? `remotes/${short}` : short;
      branches.push({ name, commit: r.oid, current: r.ref === currentRef, remote: r.remote, protected: !r.remote && guarded.has(r.ref) });
    }
    // The reference's text, with ` (protected)` after protected branches only.
    const text = branches.map((b) => `${b.current ? '* ' : '  '}${b.name}${b.protected ? ' (protected)' : ''}`).join('\n');
    const current = currentRef?.startsWith('refs/heads/') ? currentRef.slice(11) : null;
    return { text, data: { current, branches } };
  },
};
