/**
 * Index tools: add, reset, rm. The set of paths to touch is computed from the stat-cached
 * working tree (status.ts), so `add ["."]` hashes only files that changed instead of re-reading
 * the whole tree, and the index is then rewritten once (index-write.ts; isomorphic-git only for
 * an index with conflict stages, which edgehub itself never produces).
 */
import git from 'isomorphic-git';
import { GitToolError } from '../errors';
import { editableIndex, entryFor, saveIndex, stageFile } from '../index-write';
import type { Repo } from '../repo';
import { visibleUntracked } from '../status';
import { DIR, type Meta } from '../storage/files';
import { diffMaps, flatten } from '../tree';
import { treePath } from '../validate';
import { hashBlob, indexMap, isGitDir, readWorktree, statMatches } from '../worktree';
import type { Handlers } from './types';

const under = (path: string, prefix: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);

/**
 * Paths under the given prefixes whose working-tree state differs from the index. Named files
 * are looked at directly; only directories (and '.') walk the tree.
 */
async function pending(repo: Repo, prefixes: string[]) {
  const index = repo.index().entries;
  const exact = prefixes.every((p) => p !== '' && (repo.files.get(p) ? repo.files.get(p)!.type !== DIR : index.has(p)));
  const present: [string, Meta][] = [];
  if (exact) {
    for (const p of prefixes) {
      const m = repo.files.get(p);
      if (m) present.push([p, m]);
    }
  } else {
    for (const [path, m] of repo.files.walk('', isGitDir)) if (prefixes.some((p) => under(path, p))) present.push([path, m]);
  }
  const changed: string[] = [];
  const candidates: string[] = [];
  for (const [path, m] of present) {
    const e = index.get(path);
    if (!e) candidates.push(path);
    else if (!statMatches(m, e) && (m.mode !== e.mode || hashBlob(repo.files.read(path)) !== e.oid)) changed.push(path);
  }
  const deleted: string[] = [];
  const scope = exact ? prefixes.filter((p) => index.has(p)) : [...index.keys()].filter((k) => prefixes.some((p) => under(k, p)));
  for (const path of scope) if (!repo.files.get(path) || repo.files.get(path)!.type === DIR) deleted.push(path);
  const untracked = await visibleUntracked(repo, candidates);
  return { changed, deleted, untracked, ignored: candidates.filter((p) => !untracked.includes(p)) };
}

export const stageTools: Handlers<'add' | 'reset' | 'rm'> = {
  async add({ repo }, { files }) {
    const prefixes = files.map((f) => (f === '.' ? '' : treePath(f, true)));
    const index = repo.index().entries;
    for (const [i, p] of prefixes.entries()) {
      if (p === '') continue;
      const known = repo.files.get(p) !== undefined || [...index.keys()].some((k) => under(k, p));
      if (!known) throw new GitToolError(`pathspec '${files[i]}' did not match any files`);
    }
    const { changed, deleted, untracked, ignored } = await pending(repo, prefixes);
    const named = ignored.filter((p) => prefixes.includes(p));
    if (named.length) throw new GitToolError(`The following paths are ignored by a .gitignore file: ${named.join(', ')}`);
    const toAdd = [...changed, ...untracked];
    const idx = editableIndex(repo);
    if (idx) {
      for (const path of toAdd) idx.set(path, await stageFile(repo, path));
      for (const path of deleted) idx.delete(path);
      if (toAdd.length || deleted.length) saveIndex(repo, idx);
    } else {
      if (toAdd.length) await git.add({ ...repo.opts, filepath: toAdd });
      for (const path of deleted) await git.remove({ ...repo.opts, filepath: path });
    }
    return { text: 'Files staged successfully', data: { staged: [...toAdd, ...deleted].sort() } };
  },

  async reset({ repo }, { hard }) {
    const head = repo.refs.resolve('HEAD');
    const headMap = await flatten(repo, head ? (await repo.readCommit(head)).tree : null);
    const unstaged = diffMaps(headMap, indexMap(repo)).map((c) => c.path);
    const restored: string[] = [];
    if (hard) {
      const wt = await readWorktree(repo);
      for (const path of new Set([...repo.index().entries.keys(), ...headMap.keys()])) {
        const want = headMap.get(path);
        const have = wt.tracked.get(path);
        if (!want) {
          if (repo.files.get(path)) repo.files.unlink(path);
        } else if (!have || have.oid !== want.oid || have.mode !== want.mode) {
          const type = want.mode === 0o120000 ? 3 : 1;
          repo.files.write(path, await repo.readBlob(want.oid), { type, mode: want.mode });
        } else continue;
        restored.push(path);
      }
    }
    const touched = new Set([...unstaged, ...restored]);
    const idx = editableIndex(repo);
    if (idx) {
      for (const path of touched) {
        const want = headMap.get(path);
        const m = repo.files.get(path);
        if (!want) idx.delete(path);
        else if (m && m.mode === want.mode && hashBlob(repo.files.read(path)) === want.oid) idx.set(path, entryFor(path, want.oid, want.mode, m));
        else idx.set(path, entryFor(path, want.oid, want.mode)); // zero stats: re-hashed on the next status
      }
      if (touched.size) saveIndex(repo, idx);
    } else for (const path of touched) await git.resetIndex({ ...repo.opts, filepath: path });
    const text = hard ? 'All staged changes reset; working tree restored to HEAD' : 'All staged changes reset';
    return { text, data: { unstaged, restored } };
  },

  async rm({ repo }, { files, cached }) {
    const paths = files.map((f) => treePath(f));
    const index = repo.index().entries;
    const removed: string[] = [];
    for (const [i, p] of paths.entries()) {
      const hits = [...index.keys()].filter((k) => under(k, p));
      if (!hits.length) throw new GitToolError(`pathspec '${files[i]}' did not match any files`);
      removed.push(...hits);
    }
    const idx = editableIndex(repo);
    for (const path of removed) {
      if (idx) idx.delete(path);
      else await git.remove({ ...repo.opts, filepath: path });
      if (!cached && repo.files.get(path)) {
        repo.files.unlink(path);
        repo.files.prune(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
      }
    }
    if (idx) saveIndex(repo, idx);
    const where = cached ? 'the index' : 'the index and the working tree';
    return { text: `Removed ${removed.length} file(s) from ${where}: ${removed.join(', ')}`, data: { removed } };
  },
};
