/**
 * Revision syntax (a subset of gitrevisions(7)): `HEAD`, `@`, full and short (≥ 4) hex ids,
 * branch / tag / remote-tracking names and full ref names, each followed by any number of
 * `~`, `~N`, `^`, `^N`, `^{}` / `^{commit}`. Names resolve in git's DWIM order: `<name>`,
 * `refs/<name>`, `refs/tags/<name>`, `refs/heads/<name>`, `refs/remotes/<name>`,
 * `refs/remotes/<name>/HEAD`; a name that is not a ref may be a short id.
 */
import git from 'isomorphic-git';
import { GitToolError } from './errors';
import { tagTarget } from './parse';
import type { Repo } from './repo';

const DWIM = ['', 'refs/', 'refs/tags/', 'refs/heads/', 'refs/remotes/'];

/** The full ref name a short name means, or null. */
function dwimRef(repo: Repo, name: string): string | null {
  if (name === 'HEAD' || name === '@') return 'HEAD';
  for (const p of DWIM) if (repo.refs.read(p + name) !== null) return p + name;
  if (repo.refs.read(`refs/remotes/${name}/HEAD`) !== null) return `refs/remotes/${name}/HEAD`;
  return null;
}

/** Follows annotated tags to the object they point at, until it is a commit. */
async function peelToCommit(repo: Repo, oid: string, rev: string): Promise<string> {
  for (let i = 0; i < 10; i++) {
    if (repo.commits.get(oid)) return oid;
    const { type, content } = await repo.readRaw(oid);
    if (type === 'commit') return oid;
    if (type !== 'tag') throw new GitToolError(`Revision '${rev}' is a ${type}, not a commit`);
    oid = tagTarget(content);
  }
  throw new GitToolError(`Revision '${rev}': tag chain too long`);
}

async function base(repo: Repo, name: string, rev: string): Promise<string> {
  if (/^[0-9a-f]{40}$/.test(name)) {
    if (!repo.objects.has(name)) throw unknown(rev);
    return name;
  }
  const ref = dwimRef(repo, name);
  if (ref) {
    const oid = repo.refs.resolve(ref);
    if (!oid) throw new GitToolError(`Unknown revision '${rev}': '${name}' has no commits yet`);
    return repo.refs.peeled(ref) ?? oid;
  }
  if (/^[0-9a-f]{4,39}$/.test(name)) {
    try {
      return await git.expandOid({ ...repo.opts, oid: name });
    } catch (e) {
      if ((e as { code?: string }).code === 'AmbiguousError') throw new GitToolError(`Short id '${name}' is ambiguous: use more characters`);
    }
  }
  throw unknown(rev);
}

/** Resolves a revision to a commit id, or throws a GitToolError naming the revision. */
export async function resolveCommit(repo: Repo, rev: string): Promise<string> {
  const m = /^(.*?)((?:[~^](?:\{[a-z]*\}|\d*))*)$/.exec(rev);
  if (!m?.[1]) throw unknown(rev);
  let oid = await peelToCommit(repo, await base(repo, m[1], rev), rev);
  for (const [, op, arg] of m[2].matchAll(/([~^])(\{[a-z]*\}|\d*)/g)) {
    if (arg.startsWith('{')) {
      if (arg !== '{}' && arg !== '{commit}') throw unknown(rev);
      continue;
    }
    const n = arg === '' ? 1 : Number(arg);
    if (op === '^') {
      if (n === 0) continue;
      const parent = (await repo.readCommit(oid)).parent[n - 1];
      if (!parent) throw unknown(rev);
      oid = parent;
    } else {
      for (let i = 0; i < n; i++) {
        const parent = (await repo.readCommit(oid)).parent[0];
        if (!parent) throw unknown(rev);
        oid = parent;
      }
    }
  }
  return oid;
}

function unknown(rev: string): GitToolError {
  return new GitToolError(`Unknown revision '${rev}': not a commit, branch, tag or ref in this repository`);
}
