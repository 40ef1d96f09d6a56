/**
 * The built-in git server's limits, from Worker vars (wrangler.toml [vars]). Each refusal names
 * the limit and the variable to raise, so an operator can act on the message alone.
 *
 *   GIT_MAX_PUSH_BYTES    a receive-pack request body, counted after gzip inflation (32 MiB: the
 *                         body is held whole, then copied once, in a 128 MB isolate shared by
 *                         every tenant it serves)
 *   MAX_REPO_BYTES        stored object bytes of one repository, compressed as stored (1 GiB)
 *   MAX_REPOS_PER_TENANT  repositories one tenant may hold (100)
 *
 * Fixed bounds (not vars: they protect the isolate's memory, not a business rule) are here too.
 */
import { positiveInt } from '../config/limits';
export const UPLOAD_PACK_MAX_BYTES = 10 * 1024 * 1024;
/**
 * Largest single object a pack may declare: the Repo DO holds it inflated, wrapped and deflated
 * again (about 3× its size) inside a 128 MB isolate.
 */
export const MAX_OBJECT_BYTES = 32 * 1024 * 1024;
/** Longest delta chain accepted in a pack (git's own pack.depth default). */
export const MAX_DELTA_DEPTH = 50;

interface GitLimits {
  maxPushBytes: number;
  maxRepoBytes: number;
  maxReposPerTenant: number;
}

type LimitVars = Partial<Pick<Env, 'GIT_MAX_PUSH_BYTES' | 'MAX_REPO_BYTES' | 'MAX_REPOS_PER_TENANT'>>;

export function gitLimits(env: LimitVars): GitLimits {
  return {
    maxPushBytes: positiveInt(env.GIT_MAX_PUSH_BYTES, 33_554_432),
    maxRepoBytes: positiveInt(env.MAX_REPO_BYTES, 1_073_741_824),
    maxReposPerTenant: positiveInt(env.MAX_REPOS_PER_TENANT, 100),
  };
}

/** An error a limit or a malformed input caused; `status` is the HTTP status it maps to. */
export class GitLimitError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413,
  ) {
    super(message);
    this.name = 'GitLimitError';
  }
}

/**
 * A push over GIT_MAX_PUSH_BYTES, as git shows it: `message` in full (how much, the limit, what to
 * do; several lines) and `short` for report-status lines. `size` is what arrived; `whole` false
 * when the body was cut off, so it is a lower bound.
 */
export function pushTooLarge(limit: number, size: number, whole = true): { message: string; short: string } {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const amount = size > limit ? `${whole ? '' : 'at least '}${size} bytes (${mib(size)})` : `more than ${limit} bytes`;
  return {
    message: [
      `push refused: this push is ${amount}, over GIT_MAX_PUSH_BYTES = ${limit} bytes (${mib(limit)}, counted after gzip inflation); nothing was stored.`,
      'Push less at a time: push older commits first, e.g. `git push <remote> <commit>:refs/heads/<branch>`,',
      'each step under the limit (or split large files out), or ask the operator to raise GIT_MAX_PUSH_BYTES.',
    ].join('\n'),
    short: `push larger than GIT_MAX_PUSH_BYTES (${limit} bytes)`,
  };
}

export const repoFull = (name: string, used: number, limit: number) =>
  `repository '${name}' is full: it holds ${used} bytes of objects and would exceed MAX_REPO_BYTES (${limit} bytes); nothing was written; use another repository or raise MAX_REPO_BYTES`;
