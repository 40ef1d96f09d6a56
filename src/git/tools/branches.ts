/** Branch tools: create_branch, checkout, delete_branch, protect_branch (refs moved with compare-and-set). */
import git from 'isomorphic-git';
import { GitToolError } from '../errors';
import { isAncestor } from '../history';
import { protectedRefs, refUpdateRefusal, setProtected } from '../protect';
import { resolveCommit } from '../revparse';
import { noDash, refName } from '../validate';
import type { Handlers } from './types';

export const branchTools: Handlers<'create_branch' | 'checkout' | 'delete_branch' | 'protect_branch'> = {
  async create_branch({ repo }, { branch_name, base_branch }) {
    noDash('branch_name', branch_name);
    noDash('base_branch', base_branch);
    refName('branch_name', branch_name);
    const ref = `refs/heads/${branch_name}`;
    if (repo.refs.read(ref) !== null) throw new GitToolError(`A branch named '${branch_name}' already exists`);
    let base: string;
    let oid: string;
    if (base_branch) {
      base = base_branch;
      oid = await resolveCommit(repo, base_branch);
    } else {
      const current = repo.refs.target('HEAD');
      const head = repo.refs.resolve('HEAD');
      if (!head) throw new GitToolError(`Cannot create branch '${branch_name}': the current branch has no commits yet`);
      base = current?.startsWith('refs/heads/') ? current.slice(11) : head.slice(0, 7);
      oid = head;
    }
    if (!repo.refs.cas(ref, null, oid)) throw new GitToolError(`A branch named '${branch_name}' already exists`);
    return { text: `Created branch '${branch_name}' from '${base}'`, data: { branch: branch_name, base, commit: oid } };
  },

  async checkout({ repo }, { branch_name }) {
    noDash('branch_name', branch_name);
    const ref = `refs/heads/${branch_name}`;
    if (repo.refs.resolve(ref) === null) {
      // git's DWIM: a branch that exists only on one remote is created tracking it.
      const remote = [...repo.refs.list('refs/remotes/')].filter(([r]) => r.endsWith(`/${branch_name}`) && !r.endsWith('/HEAD'));
      if (remote.length !== 1 || /[^A-Za-z0-9._/-]/.test(branch_name)) {
        throw new GitToolError(`Unknown branch: '${branch_name}' (see git_branch for the branches of this repository)`);
      }
      refName('branch_name', branch_name);
      repo.refs.cas(ref, null, remote[0][1]);
    }
    try {
      await git.checkout({ ...repo.opts, ref: branch_name });
    } catch (e) {
      const err = e as { code?: string; data?: { filepaths?: string[] } };
      if (err.code === 'CheckoutConflictError') {
        throw new GitToolError(
          `Cannot switch to '${branch_name}': your local changes to ${(err.data?.filepaths ?? []).join(', ')} would be overwritten; commit or reset them first`,
        );
      }
      throw e;
    }
    return { text: `Switched to branch '${branch_name}'`, data: { branch: branch_name, commit: repo.refs.resolve(ref) } };
  },

  async delete_branch({ repo }, { branch_name, force }) {
    noDash('branch_name', branch_name);
    const ref = `refs/heads/${branch_name}`;
    const oid = repo.refs.read(ref);
    if (!oid) throw new GitToolError(`Unknown branch: '${branch_name}'`);
    if (repo.refs.target('HEAD') === ref) throw new GitToolError(`Cannot delete branch '${branch_name}': it is the current branch`);
    const refused = await refUpdateRefusal(repo, ref, oid, null);
    if (refused) throw new GitToolError(`Cannot delete branch '${branch_name}': ${refused} (an admin lifts it with git_protect_branch protected: false)`);
    const head = repo.refs.resolve('HEAD');
    if (!force && !(head && (await isAncestor(repo, oid, head)))) {
      throw new GitToolError(`The branch '${branch_name}' is not fully merged into the current branch; pass force: true to delete it anyway`);
    }
    if (!repo.refs.cas(ref, oid, null)) throw new GitToolError(`Branch '${branch_name}' moved while deleting it; retry`);
    return { text: `Deleted branch ${branch_name} (was ${oid.slice(0, 7)}).`, data: { branch: branch_name, commit: oid } };
  },

  async protect_branch({ repo }, { branch, protected: on }) {
    refName('branch', branch);
    setProtected(repo, `refs/heads/${branch}`, on);
    const all = [...protectedRefs(repo)].map((r) => r.slice('refs/heads/'.length)).sort();
    const text = on ? `Branch '${branch}' is protected: no deletion, no non-fast-forward update` : `Branch '${branch}' is no longer protected`;
    return { text, data: { branch, protected: on, protected_branches: all } };
  },
};
