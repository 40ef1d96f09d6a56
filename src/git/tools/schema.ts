/**
 * The git server's tool catalog: names (unprefixed: the gateway exposes them as `git_<name>`),
 * input and output schemas (zod, published as JSON Schema), annotations and descriptions.
 * Names, argument names and annotations of the 12 reference tools follow mcp-server-git 0.6.2
 * (see ../shared/GIT-REFERENCE.md). No runtime dependencies: the provider builds its catalog
 * from this module without touching a repository.
 */
import { z } from 'zod';
import type { ToolDef } from '../../gateway/provider';

const repo_path = z.string().describe("Repository held by edgehub, e.g. 'demo' (a leading '/' or '/repos/' is accepted)");
const context_lines = z.number().int().min(0).max(1000).default(3).describe('Lines of context around each change');
const token = z.string().optional().describe('Access token for the remote (sent as HTTP basic auth; never stored or echoed)');

type Hints = [readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean];
export type LockMode = 'read' | 'write' | 'none';

interface Spec {
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  hints: Hints;
  lock: LockMode;
  /** False for tools that create the repository (init, clone) or need none (list_repos). */
  needsRepo?: boolean;
}

const fileChange = z.object({ path: z.string(), status: z.string() });
const diffOut = z.object({ diff: z.string(), files: z.array(fileChange) });
const commitOut = z.object({ hash: z.string(), author: z.string(), email: z.string(), date: z.string(), message: z.string(), parents: z.array(z.string()) });
const ok = z.object({ ok: z.boolean() });

export const SPECS = {
  status: {
    title: 'Working tree status',
    description: 'Shows the working tree status: current branch, staged changes, unstaged changes and untracked files.',
    input: z.object({ repo_path }),
    output: z.object({
      branch: z.string().nullable(),
      head: z.string().nullable(),
      staged: z.array(fileChange),
      unstaged: z.array(fileChange),
      untracked: z.array(z.string()),
      conflicts: z.array(z.string()),
      clean: z.boolean(),
    }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  diff_unstaged: {
    title: 'Diff of unstaged changes',
    description: 'Shows changes in the working directory that are not yet staged (index vs working tree), as a unified diff.',
    input: z.object({ repo_path, context_lines }),
    output: diffOut,
    hints: [true, false, true, false],
    lock: 'read',
  },
  diff_staged: {
    title: 'Diff of staged changes',
    description: 'Shows changes that are staged for commit (HEAD vs index), as a unified diff.',
    input: z.object({ repo_path, context_lines }),
    output: diffOut,
    hints: [true, false, true, false],
    lock: 'read',
  },
  diff: {
    title: 'Diff against a revision',
    description: 'Shows differences between a branch, tag or commit (HEAD~1, short sha, …) and the working tree, as a unified diff.',
    input: z.object({ repo_path, target: z.string().describe('Branch, tag or commit to compare with'), context_lines }),
    output: diffOut.extend({ target: z.string(), target_commit: z.string() }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  commit: {
    title: 'Commit staged changes',
    description: 'Records the staged changes as a new commit on the current branch.',
    input: z.object({
      repo_path,
      message: z.string().min(1).describe('Commit message'),
      author_name: z.string().min(1).optional().describe('Author name (default: repository user.name, else the caller)'),
      author_email: z.string().min(1).optional().describe('Author email (default: repository user.email, else the caller)'),
    }),
    output: commitOut.extend({ branch: z.string().nullable() }),
    hints: [false, false, false, false],
    lock: 'write',
  },
  add: {
    title: 'Stage files',
    description: 'Adds file contents to the staging area. ["."] stages everything, including deletions.',
    input: z.object({ repo_path, files: z.array(z.string()).min(1).describe('Paths relative to the repository root; ["."] = all') }),
    output: z.object({ staged: z.array(z.string()) }),
    hints: [false, false, true, false],
    lock: 'write',
  },
  reset: {
    title: 'Unstage all changes',
    description: 'Unstages all staged changes (index ← HEAD); the working tree is untouched. With hard: true also discards working-tree changes to tracked files.',
    input: z.object({ repo_path, hard: z.boolean().default(false).describe('Also discard working-tree changes (destructive)') }),
    output: z.object({ unstaged: z.array(z.string()), restored: z.array(z.string()) }),
    hints: [false, true, true, false],
    lock: 'write',
  },
  log: {
    title: 'Commit history',
    description:
      "Shows the commit logs, newest first. Optional date filters accept ISO 8601 ('2024-01-15T14:30:25'), dates ('2024-01-15', 'Jan 15 2024') and relative dates ('2 weeks ago', 'yesterday').",
    input: z.object({
      repo_path,
      max_count: z.number().int().min(1).max(10_000).default(10).describe('Maximum number of commits to show'),
      start_timestamp: z.string().optional().describe('Only commits at or after this date'),
      end_timestamp: z.string().optional().describe('Only commits at or before this date'),
      revision: z.string().optional().describe('Start from this revision instead of HEAD'),
    }),
    output: z.object({ commits: z.array(commitOut) }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  create_branch: {
    title: 'Create a branch',
    description: 'Creates a new branch from the current branch or from base_branch (a branch, tag or commit). Does not switch to it.',
    input: z.object({ repo_path, branch_name: z.string().describe('Name of the new branch'), base_branch: z.string().optional().describe('Starting point (default: current branch)') }),
    output: z.object({ branch: z.string(), base: z.string(), commit: z.string() }),
    hints: [false, false, false, false],
    lock: 'write',
  },
  checkout: {
    title: 'Switch branches',
    description: 'Switches to an existing branch, updating the index and working tree. Refuses when local changes would be overwritten.',
    input: z.object({ repo_path, branch_name: z.string().describe('Branch to switch to') }),
    output: z.object({ branch: z.string(), commit: z.string().nullable() }),
    hints: [false, false, false, false],
    lock: 'write',
  },
  show: {
    title: 'Show a commit',
    description: 'Shows the contents of a commit (metadata and patch against its first parent). Accepts HEAD, HEAD~1, HEAD^, short or full shas, branch and tag names.',
    input: z.object({ repo_path, revision: z.string().describe('Revision to show') }),
    output: commitOut.extend({ diff: z.string(), files: z.array(fileChange) }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  branch: {
    title: 'List branches',
    description: "Lists branches like `git branch`: local, remote (-r) or all (-a); the current branch is marked '* '. Optionally only branches that contain / do not contain a commit.",
    input: z.object({
      repo_path,
      branch_type: z.enum(['local', 'remote', 'all']).describe("'local', 'remote' or 'all'"),
      contains: z.string().optional().describe('Only branches that contain this commit'),
      not_contains: z.string().optional().describe('Only branches that do not contain this commit'),
    }),
    output: z.object({ current: z.string().nullable(), branches: z.array(z.object({ name: z.string(), commit: z.string(), current: z.boolean(), remote: z.boolean() })) }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  // ---- beyond the reference ----
  init: {
    title: 'Create a repository',
    description: 'Creates an empty repository held by edgehub (no-op if it already exists).',
    input: z.object({ repo_path, default_branch: z.string().default('main').describe('Name of the initial branch') }),
    output: z.object({ repo: z.string(), created: z.boolean(), branch: z.string() }),
    hints: [false, false, true, false],
    lock: 'write',
    needsRepo: false,
  },
  list_repos: {
    title: 'List repositories',
    description: "Lists the repositories edgehub holds for you (the names to use as repo_path).",
    input: z.object({}),
    output: z.object({ repos: z.array(z.string()) }),
    hints: [true, false, true, false],
    lock: 'none',
    needsRepo: false,
  },
  write_file: {
    title: 'Write a file',
    description: 'Creates or overwrites a file in the working tree (there is no local disk at the edge: this is how to edit files). Does not stage it.',
    input: z.object({
      repo_path,
      path: z.string().describe('Path relative to the repository root'),
      content: z.string().describe('New content'),
      encoding: z.enum(['utf8', 'base64']).default('utf8'),
      executable: z.boolean().optional().describe('Set (true) or clear (false) the executable bit'),
    }),
    output: z.object({ path: z.string(), size: z.number(), changed: z.boolean() }),
    hints: [false, true, true, false],
    lock: 'write',
  },
  read_file: {
    title: 'Read a file',
    description: 'Reads a file from the working tree, or from a revision when one is given.',
    input: z.object({ repo_path, path: z.string(), revision: z.string().optional().describe('Read from this commit instead of the working tree'), encoding: z.enum(['utf8', 'base64']).default('utf8') }),
    output: z.object({ path: z.string(), size: z.number(), content: z.string(), encoding: z.string() }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  list_files: {
    title: 'List files',
    description: 'Lists files in the working tree (or in a revision) under a directory.',
    input: z.object({ repo_path, path: z.string().default('.').describe('Directory relative to the repository root'), revision: z.string().optional(), recursive: z.boolean().default(true) }),
    output: z.object({ files: z.array(z.object({ path: z.string(), size: z.number().optional(), type: z.string() })) }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  delete_file: {
    title: 'Delete a file',
    description: 'Deletes a file from the working tree (not staged; use add or rm to stage the deletion).',
    input: z.object({ repo_path, path: z.string() }),
    output: z.object({ path: z.string() }),
    hints: [false, true, true, false],
    lock: 'write',
  },
  rm: {
    title: 'Remove files',
    description: 'Removes files from the index and the working tree (cached: true keeps the working-tree copy).',
    input: z.object({ repo_path, files: z.array(z.string()).min(1), cached: z.boolean().default(false) }),
    output: z.object({ removed: z.array(z.string()) }),
    hints: [false, true, true, false],
    lock: 'write',
  },
  delete_branch: {
    title: 'Delete a branch',
    description: 'Deletes a local branch. Unmerged branches need force: true.',
    input: z.object({ repo_path, branch_name: z.string(), force: z.boolean().default(false) }),
    output: z.object({ branch: z.string(), commit: z.string() }),
    hints: [false, true, true, false],
    lock: 'write',
  },
  tag: {
    title: 'Tags',
    description: 'Lists, creates (lightweight, or annotated with a message) or deletes tags.',
    input: z.object({
      repo_path,
      action: z.enum(['list', 'create', 'delete']).default('list'),
      name: z.string().optional(),
      target: z.string().optional().describe('Revision to tag (default HEAD)'),
      message: z.string().optional().describe('Annotated tag message'),
    }),
    output: z.object({ tags: z.array(z.object({ name: z.string(), commit: z.string() })) }),
    hints: [false, true, false, false],
    lock: 'write',
  },
  merge: {
    title: 'Merge a branch',
    description: 'Merges a branch, tag or commit into the current branch: fast-forward when possible, else a merge commit. Conflicts abort the merge and are listed.',
    input: z.object({
      repo_path,
      branch: z.string().describe('What to merge into the current branch'),
      message: z.string().optional(),
      fast_forward_only: z.boolean().default(false),
      no_ff: z.boolean().default(false).describe('Always create a merge commit'),
    }),
    output: z.object({ result: z.enum(['up-to-date', 'fast-forward', 'merge']), commit: z.string() }),
    hints: [false, false, false, false],
    lock: 'write',
  },
  remote: {
    title: 'Remotes',
    description: 'Lists, adds or removes remotes (https URLs).',
    input: z.object({ repo_path, action: z.enum(['list', 'add', 'remove']).default('list'), name: z.string().optional(), url: z.string().optional() }),
    output: z.object({ remotes: z.array(z.object({ name: z.string(), url: z.string() })) }),
    hints: [false, false, false, false],
    lock: 'write',
  },
  clone: {
    title: 'Clone a repository',
    description: 'Clones an https remote into a new repository held by edgehub.',
    input: z.object({ repo_path, url: z.string(), token, branch: z.string().optional(), depth: z.number().int().min(1).optional() }),
    output: z.object({ repo: z.string(), branch: z.string().nullable(), head: z.string().nullable() }),
    hints: [false, false, false, true],
    lock: 'write',
    needsRepo: false,
  },
  fetch: {
    title: 'Fetch from a remote',
    description: 'Downloads objects and refs from a remote.',
    input: z.object({ repo_path, remote: z.string().default('origin'), ref: z.string().optional(), token, depth: z.number().int().min(1).optional() }),
    output: z.object({ remote: z.string(), head: z.string().nullable(), fetched: z.string().nullable() }),
    hints: [false, false, true, true],
    lock: 'write',
  },
  pull: {
    title: 'Pull from a remote',
    description: 'Fetches from a remote and merges into the current branch.',
    input: z.object({ repo_path, remote: z.string().default('origin'), branch: z.string().optional(), token }),
    output: z.object({ result: z.string(), commit: z.string().nullable() }),
    hints: [false, false, false, true],
    lock: 'write',
  },
  push: {
    title: 'Push to a remote',
    description: 'Pushes a branch to a remote. Overwriting remote history needs force: true.',
    input: z.object({ repo_path, remote: z.string().default('origin'), branch: z.string().optional(), token, force: z.boolean().default(false) }),
    output: z.object({ remote: z.string(), ref: z.string(), ok: z.boolean() }),
    hints: [false, true, false, true],
    lock: 'write',
  },
} satisfies Record<string, Spec>;

export type ToolName = keyof typeof SPECS;
export type ArgsOf<N extends ToolName> = z.output<(typeof SPECS)[N]['input']>;
export type OutputOf<N extends ToolName> = z.output<(typeof SPECS)[N]['output']>;

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(SPECS, name);
}

export function spec(name: ToolName): Spec {
  return SPECS[name] as Spec;
}

function jsonSchema(s: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io }) as Record<string, unknown>;
  return rest;
}

let catalog: ToolDef[] | null = null;
export function toolDefs(): ToolDef[] {
  catalog ??= (Object.keys(SPECS) as ToolName[]).map((name) => {
    const s = spec(name);
    const [readOnlyHint, destructiveHint, idempotentHint, openWorldHint] = s.hints;
    return {
      name,
      title: s.title,
      description: s.description,
      inputSchema: jsonSchema(s.input, 'input'),
      outputSchema: jsonSchema(s.output, 'output'),
      annotations: { title: s.title, readOnlyHint, destructiveHint, idempotentHint, openWorldHint },
    };
  });
  return catalog;
}

/** Parses tool arguments; the message names the failing field. */
export function parseArgs<N extends ToolName>(name: N, args: unknown): ArgsOf<N> {
  const r = spec(name).input.safeParse(args ?? {});
  if (r.success) return r.data as ArgsOf<N>;
  const issue = r.error.issues[0];
  throw new InvalidArgs(`Invalid arguments for ${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export class InvalidArgs extends Error {
  readonly gitTool = true;
}
