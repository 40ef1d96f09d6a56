/**
 * The 12 tools of the reference (mcp-server-git 0.6.2, docs/git-reference.md): names,
 * argument names, annotations (hints = readOnly, destructive, idempotent, openWorld).
 */
import { z } from 'zod';
import { commitOut, context_lines, diffOut, fileChange, repo_path, type Spec } from './spec-common';

export const REFERENCE_SPECS = {
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
    grows: true,
  },
  add: {
    title: 'Stage files',
    description: 'Adds file contents to the staging area. ["."] stages everything, including deletions.',
    input: z.object({ repo_path, files: z.array(z.string()).min(1).describe('Paths relative to the repository root; ["."] = all') }),
    output: z.object({ staged: z.array(z.string()) }),
    hints: [false, false, true, false],
    lock: 'write',
    grows: true,
  },
  reset: {
    title: 'Unstage all changes',
    description:
      'Unstages all staged changes (index ← HEAD); the working tree is untouched. With hard: true also discards working-tree changes to tracked files.',
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
    input: z.object({
      repo_path,
      branch_name: z.string().describe('Name of the new branch'),
      base_branch: z.string().optional().describe('Starting point (default: current branch)'),
    }),
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
    description:
      'Shows the contents of a commit (metadata and patch against its first parent). Accepts HEAD, HEAD~1, HEAD^, short or full shas, branch and tag names.',
    input: z.object({ repo_path, revision: z.string().describe('Revision to show') }),
    output: commitOut.extend({ diff: z.string(), files: z.array(fileChange) }),
    hints: [true, false, true, false],
    lock: 'read',
  },
  branch: {
    title: 'List branches',
    description:
      "Lists branches like `git branch`: local, remote (-r) or all (-a); the current branch is marked '* '. Optionally only branches that contain / do not contain a commit.",
    input: z.object({
      repo_path,
      branch_type: z.enum(['local', 'remote', 'all']).describe("'local', 'remote' or 'all'"),
      contains: z.string().optional().describe('Only branches that contain this commit'),
      not_contains: z.string().optional().describe('Only branches that do not contain this commit'),
    }),
    output: z.object({
      current: z.string().nullable(),
      branches: z.array(z.object({ name: z.string(), commit: z.string(), current: z.boolean(), remote: z.boolean(), protected: z.boolean() })),
    }),
    hints: [true, false, true, false],
    lock: 'read',
  },
} satisfies Record<string, Spec>;
