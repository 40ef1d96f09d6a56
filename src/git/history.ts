/**
 * Commit-graph walks over the repository's commit cache (commits are immutable, so a warm log
 * of 100 commits is 100 map lookups): `git log` order (newest committer date first, each
 * commit once) with date bounds, and ancestry tests for `branch --contains`.
 */
import { formatDate } from './dates';
import type { CommitInfo } from './parse';
import type { Repo } from './repo';

interface LogOptions {
  max: number;
  /** Unix seconds, inclusive bounds on the committer date (git log --since/--until). */
  since?: number;
  until?: number;
}

export async function walkLog(repo: Repo, start: string, opts: LogOptions): Promise<CommitInfo[]> {
  const out: CommitInfo[] = [];
  const seen = new Set<string>([start]);
  const queue: CommitInfo[] = [await repo.readCommit(start)];
  while (queue.length && out.length < opts.max) {
    const c = queue.shift()!;
    const t = c.committer.timestamp;
    if (opts.until === undefined || t <= opts.until) {
      if (opts.since !== undefined && t < opts.since) {
        // Like git's --since: stop following history older than the bound.
        continue;
      }
      out.push(c);
    }
    const parents = await Promise.all(c.parent.filter((p) => !seen.has(p)).map((p) => repo.readCommit(p)));
    for (const p of parents) {
      seen.add(p.oid);
      let i = queue.length;
      while (i > 0 && queue[i - 1].committer.timestamp < p.committer.timestamp) i--;
      queue.splice(i, 0, p);
    }
  }
  return out;
}

/** True when `ancestor` is `tip` or reachable from it. */
export async function isAncestor(repo: Repo, ancestor: string, tip: string): Promise<boolean> {
  if (ancestor === tip) return true;
  const seen = new Set<string>([tip]);
  let frontier = [tip];
  while (frontier.length) {
    const next: string[] = [];
    for (const c of await Promise.all(frontier.map((o) => repo.readCommit(o)))) {
      for (const p of c.parent) {
        if (p === ancestor) return true;
        if (!seen.has(p)) {
          seen.add(p);
          next.push(p);
        }
      }
    }
    frontier = next;
  }
  return false;
}

export function commitData(c: CommitInfo) {
  return {
    hash: c.oid,
    author: c.author.name,
    email: c.author.email,
    date: formatDate(c.author),
    message: c.message.replace(/\n+$/, ''),
    parents: c.parent,
  };
}

/** The reference's entry layout: `Commit: <sha>\nAuthor: <name> <email>\nDate: <date>\nMessage: <message>\n`. */
export function commitText(c: CommitInfo): string {
  const d = commitData(c);
  return `Commit: ${d.hash}\nAuthor: ${d.author} <${d.email}>\nDate: ${d.date}\nMessage: ${d.message}\n`;
}
