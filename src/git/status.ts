/**
 * Working-tree status in one pass over memory: HEAD's flattened tree (cached by tree id), the
 * parsed index (cached by index write) and the working tree's metadata; only files whose stat
 * changed since they were staged are read and hashed. The text is `git status` without the
 * "(use git …)" hints, which name commands an agent cannot run here.
 */
import git from 'isomorphic-git';
import type { Repo } from './repo';
import { diffMaps, flatten } from './tree';
import { indexMap, readWorktree } from './worktree';

interface PathStatus {
  path: string;
  status: 'new file' | 'modified' | 'deleted' | 'typechange';
}

interface StatusData {
  branch: string | null;
  head: string | null;
  staged: PathStatus[];
  unstaged: PathStatus[];
  untracked: string[];
  conflicts: string[];
  clean: boolean;
}

const TYPE = (mode: number) => mode >> 12;

export async function computeStatus(repo: Repo): Promise<StatusData> {
  const target = repo.refs.target('HEAD');
  const head = repo.refs.resolve('HEAD');
  const headTree = head ? (await repo.readCommit(head)).tree : null;
  const [headMap, wt] = await Promise.all([flatten(repo, headTree), readWorktree(repo)]);
  const index = indexMap(repo);
  const staged: PathStatus[] = diffMaps(headMap, index).map((c) => ({
    path: c.path,
    status: !c.old ? 'new file' : !c.new ? 'deleted' : TYPE(c.old.mode) !== TYPE(c.new.mode) ? 'typechange' : 'modified',
  }));
  const unstaged: PathStatus[] = [];
  for (const [path, e] of index) {
    const w = wt.tracked.get(path);
    if (!w) unstaged.push({ path, status: 'deleted' });
    else if (TYPE(w.mode) !== TYPE(e.mode)) unstaged.push({ path, status: 'typechange' });
    else if (w.oid !== e.oid || w.mode !== e.mode) unstaged.push({ path, status: 'modified' });
  }
  const untracked = await collapseUntracked(repo, wt.untracked, index);
  const conflicts = [...repo.index().unmerged].sort();
  return {
    branch: target?.startsWith('refs/heads/') ? target.slice('refs/heads/'.length) : null,
    head,
    staged,
    unstaged,
    untracked,
    conflicts,
    clean: !staged.length && !unstaged.length && !untracked.length && !conflicts.length,
  };
}

/** Untracked paths that no .gitignore / info/exclude rule hides. */
export async function visibleUntracked(repo: Repo, paths: string[]): Promise<string[]> {
  if (!paths.length || !hasIgnoreRules(repo, paths)) return paths;
  const hidden = await Promise.all(paths.map((filepath) => git.isIgnored({ ...repo.opts, filepath })));
  return paths.filter((_, i) => !hidden[i]);
}

/** Whether any rule can apply: info/exclude, or a .gitignore in a directory above one of `paths`. */
function hasIgnoreRules(repo: Repo, paths: string[]): boolean {
  if (repo.files.get('.git/info/exclude')) return true;
  const dirs = new Set<string>(['']);
  for (const p of paths) for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  for (const d of dirs) if (repo.files.get(d ? `${d}/.gitignore` : '.gitignore')) return true;
  return false;
}

/** Drops ignored paths, then shows a directory with no tracked file in it as `dir/` (like git). */
async function collapseUntracked(repo: Repo, paths: string[], index: Map<string, unknown>): Promise<string[]> {
  const visible = await visibleUntracked(repo, paths);
  const trackedDirs = new Set<string>();
  for (const p of index.keys()) for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) trackedDirs.add(p.slice(0, i));
  const out = new Set<string>();
  for (const p of visible) {
    let shown = p;
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
      if (!trackedDirs.has(p.slice(0, i))) {
        shown = `${p.slice(0, i)}/`;
        break;
      }
    }
    out.add(shown);
  }
  return [...out].sort();
}

export function renderStatus(s: StatusData): string {
  const lines: string[] = [];
  lines.push(s.branch !== null ? `On branch ${s.branch}` : `HEAD detached at ${s.head?.slice(0, 7) ?? '(unknown)'}`);
  if (!s.head) lines.push('', 'No commits yet');
  const section = (title: string, items: string[]) => {
    if (!items.length) return;
    lines.push('', title, ...items.map((i) => `\t${i}`));
  };
  section(
    'Unmerged paths:',
    s.conflicts.map((p) => `${'both modified:'.padEnd(17)}${p}`),
  );
  section(
    'Changes to be committed:',
    s.staged.map((c) => `${`${c.status}:`.padEnd(12)}${c.path}`),
  );
  section(
    'Changes not staged for commit:',
    s.unstaged.map((c) => `${`${c.status}:`.padEnd(12)}${c.path}`),
  );
  section('Untracked files:', s.untracked);
  lines.push('');
  if (s.staged.length || s.conflicts.length) lines.pop();
  else if (s.unstaged.length) lines.push('no changes added to commit');
  else if (s.untracked.length) lines.push('nothing added to commit but untracked files present');
  else lines.push(s.head ? 'nothing to commit, working tree clean' : 'nothing to commit');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
