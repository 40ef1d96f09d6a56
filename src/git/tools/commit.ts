/**
 * History-writing tools: commit, merge, tag. Every ref they move is moved with compare-and-set
 * against the value read at the start (RefStore.cas), so even if the DO's write lock were
 * bypassed a concurrent update would fail loudly instead of silently dropping a commit.
 */
import git from 'isomorphic-git';
import { GitToolError } from '../errors';
import { commitData } from '../history';
import type { Repo } from '../repo';
import { resolveCommit } from '../revparse';
import { computeStatus } from '../status';
import { noDash, refName } from '../validate';
import { writeIndexTree } from '../write-tree';
import type { Actor, Handlers } from './types';

export async function signature(repo: Repo, actor: Actor, name?: string, email?: string) {
  const cfgName = name ?? ((await git.getConfig({ ...repo.opts, path: 'user.name' })) as string | undefined);
  const cfgEmail = email ?? ((await git.getConfig({ ...repo.opts, path: 'user.email' })) as string | undefined);
  return { name: cfgName ?? actor.name, email: cfgEmail ?? actor.email, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
}

/** Moves the current branch (or a detached HEAD) from `expected` to `next`, or fails. */
function advanceHead(repo: Repo, expected: string | null, next: string): string | null {
  const branch = repo.refs.target('HEAD');
  if (!repo.refs.cas(branch ?? 'HEAD', expected, next)) {
    throw new GitToolError(`${branch ?? 'HEAD'} moved while this operation ran (another writer updated it); nothing was changed, retry`);
  }
  return branch;
}

export const commitTools: Handlers<'commit' | 'merge' | 'tag'> = {
  async commit({ repo, actor }, { message, author_name, author_email }) {
    const parent = repo.refs.resolve('HEAD');
    if (repo.index().unmerged.size) throw new GitToolError(`Cannot commit: unmerged paths: ${[...repo.index().unmerged].join(', ')}`);
    const author = await signature(repo, actor, author_name, author_email);
    const tree = await writeIndexTree(repo);
    const oid = await git.writeCommit({
      ...repo.opts,
      commit: { tree, parent: parent ? [parent] : [], author, committer: author, message: message.endsWith('\n') ? message : `${message}\n` },
    });
    const branch = advanceHead(repo, parent, oid);
    const c = await repo.readCommit(oid);
    return {
      text: `Changes committed successfully with hash ${oid}`,
      data: { ...commitData(c), branch: branch?.replace(/^refs\/heads\//, '') ?? null },
    };
  },

  async merge({ repo, actor }, { branch, message, fast_forward_only, no_ff }) {
    noDash('branch', branch);
    const ours = repo.refs.target('HEAD');
    const ourOid = repo.refs.resolve('HEAD');
    if (!ours || !ourOid) throw new GitToolError('Cannot merge: HEAD is detached or the current branch has no commits yet');
    const theirs = await resolveCommit(repo, branch);
    const st = await computeStatus(repo);
    if (st.staged.length || st.unstaged.length || st.conflicts.length) {
      throw new GitToolError('Cannot merge: the working tree has uncommitted changes to tracked files; commit them or reset first');
    }
    const author = await signature(repo, actor);
    const current = ours.replace(/^refs\/heads\//, '');
    const r = await git
      .merge({
        ...repo.opts,
        ours,
        theirs,
        fastForward: !no_ff,
        fastForwardOnly: fast_forward_only,
        noUpdateBranch: true,
        abortOnConflict: true,
        message: message ?? `Merge branch '${branch}' into ${current}`,
        author,
        committer: author,
      })
      .catch((e: { code?: string; data?: { filepaths?: string[] } }) => {
        if (e?.code === 'MergeConflictError') {
          throw new GitToolError(
            `Merge conflict: automatic merge failed in ${(e.data?.filepaths ?? []).join(', ')}; the merge was aborted and nothing changed`,
          );
        }
        if (e?.code === 'FastForwardError') throw new GitToolError(`Cannot fast-forward ${current} to '${branch}': the branches have diverged`);
        if (e?.code === 'MergeNotSupportedError') throw new GitToolError(`Cannot merge '${branch}': no single merge base (criss-cross or unrelated histories)`);
        throw e;
      });
    if (r.alreadyMerged || r.oid === ourOid) return { text: 'Already up to date.', data: { result: 'up-to-date' as const, commit: ourOid } };
    advanceHead(repo, ourOid, r.oid!);
    await git.checkout({ ...repo.opts, ref: current, force: true });
    const result = r.fastForward ? ('fast-forward' as const) : ('merge' as const);
    const text = r.fastForward ? `Fast-forward ${current} to ${r.oid}` : `Merge made by the 'ort' strategy: ${r.oid}`;
    return { text, data: { result, commit: r.oid! } };
  },

  async tag({ repo, actor }, { action, name, target, message }) {
    const list = async () => {
      const tags = [];
      for (const [ref, oid] of repo.refs.list('refs/tags/')) {
        const commit = repo.refs.peeled(ref) ?? (await resolveCommit(repo, oid).catch(() => oid));
        tags.push({ name: ref.slice('refs/tags/'.length), commit });
      }
      return tags;
    };
    if (action === 'list') {
      const tags = await list();
      return { text: tags.map((t) => t.name).join('\n'), data: { tags } };
    }
    if (!name) throw new GitToolError(`Invalid arguments for tag: name is required to ${action} a tag`);
    refName('tag name', name);
    const ref = `refs/tags/${name}`;
    const existing = repo.refs.read(ref);
    if (action === 'delete') {
      if (!existing) throw new GitToolError(`Unknown tag: '${name}'`);
      repo.refs.cas(ref, existing, null);
      return { text: `Deleted tag '${name}' (was ${existing.slice(0, 7)})`, data: { tags: await list() } };
    }
    noDash('target', target);
    if (existing) throw new GitToolError(`A tag named '${name}' already exists`);
    const commit = await resolveCommit(repo, target ?? 'HEAD');
    let oid = commit;
    if (message !== undefined) {
      const tagger = await signature(repo, actor);
      oid = await git.writeTag({ ...repo.opts, tag: { object: commit, type: 'commit', tag: name, tagger, message } });
    }
    if (!repo.refs.cas(ref, null, oid)) throw new GitToolError(`A tag named '${name}' already exists`);
    const kind = message !== undefined ? 'annotated tag' : 'tag';
    return { text: `Created ${kind} '${name}' at ${commit.slice(0, 7)}`, data: { tags: await list() } };
  },
};
