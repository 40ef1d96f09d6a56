/**
 * Helpers for the git tool tests inside workerd: calls go through /mcp (raw JSON-RPC on a
 * legacy lane session), exactly as a client would call `git_*` tools.
 */
import { openSession, request } from './rpc';

export interface ToolResult {
  content: { type: string; text: string }[];
  structuredContent?: any;
  isError?: boolean;
}

export async function session(): Promise<string> {
  return openSession();
}

/** Calls an exposed tool (`git_status`, …) and returns its result; protocol errors throw. */
export async function tool(sid: string, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  const r = await request(sid, 'tools/call', { name, arguments: args });
  if (r.error) throw new Error(`${name}: JSON-RPC error ${r.error.code} ${r.error.message}`);
  return r.result as ToolResult;
}

export function text(r: ToolResult): string {
  return r.content.map((c) => c.text).join('');
}

/** Calls a tool that must succeed and returns its text. */
export async function ok(sid: string, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const r = await tool(sid, name, args);
  if (r.isError) throw new Error(`${name} failed: ${text(r)}`);
  return text(r);
}

export function uniqueRepo(prefix = 'repo'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** The reference fixture: new repo; write test.txt = "test"; add; commit "initial commit". */
export async function fixture(sid: string, prefix = 'ref'): Promise<string> {
  const repo = uniqueRepo(prefix);
  await ok(sid, 'git_init', { repo_path: repo });
  await ok(sid, 'git_write_file', { repo_path: repo, path: 'test.txt', content: 'test' });
  await ok(sid, 'git_add', { repo_path: repo, files: ['test.txt'] });
  await ok(sid, 'git_commit', { repo_path: repo, message: 'initial commit' });
  return repo;
}

/** Writes, stages and commits one file; returns the new commit's hash. */
export async function commitFile(sid: string, repo: string, path: string, content: string, message: string): Promise<string> {
  await ok(sid, 'git_write_file', { repo_path: repo, path, content });
  await ok(sid, 'git_add', { repo_path: repo, files: [path] });
  const t = await ok(sid, 'git_commit', { repo_path: repo, message });
  const m = /hash ([0-9a-f]{40})/.exec(t);
  if (!m) throw new Error(`no hash in: ${t}`);
  return m[1];
}
