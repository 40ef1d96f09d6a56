/**
 * Protected branches of one repository (table protected_refs, migrations/0103): a protected branch
 * is never deleted and only moves forward (the new tip must descend from the old one). Every ref
 * move that could break that — native push (smart-http.ts), git_delete_branch, HEAD advances —
 * asks `refUpdateRefusal` first. Protection itself is set with git_protect_branch.
 */
import { isAncestor } from './history';
import type { Repo } from './repo';

function isProtected(repo: Repo, ref: string): boolean {
  return repo.sql.exec(`SELECT 1 FROM protected_refs WHERE ref = ?`, ref).toArray().length > 0;
}

export function setProtected(repo: Repo, ref: string, on: boolean): void {
  if (on) repo.sql.exec(`INSERT OR IGNORE INTO protected_refs (ref, created_at) VALUES (?, ?)`, ref, Date.now());
  else repo.sql.exec(`DELETE FROM protected_refs WHERE ref = ?`, ref);
}

export function protectedRefs(repo: Repo): Set<string> {
  return new Set(
    repo.sql
      .exec<{ ref: string }>(`SELECT ref FROM protected_refs`)
      .toArray()
      .map((r) => r.ref),
  );
}

/**
 * Why moving `ref` from `old` to `next` (null = delete / absent) is refused, or null when it is
 * allowed. Only protected refs are ever refused; creating one is always allowed.
 */
export async function refUpdateRefusal(repo: Repo, ref: string, old: string | null, next: string | null): Promise<string | null> {
  if (!old || !isProtected(repo, ref)) return null;
  if (next === null) return 'protected branch: deletion refused';
  if (next !== old && !(await isAncestor(repo, old, next).catch(() => false))) return 'protected branch: non-fast-forward update refused';
  return null;
}
