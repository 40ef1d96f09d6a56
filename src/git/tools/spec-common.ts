/** Shared pieces of the git tool specs (argument and output shapes, the Spec type). */
import { z } from 'zod';

export const repo_path = z.string().describe("Repository held by edgehub, e.g. 'demo' (a leading '/' or '/repos/' is accepted)");
export const context_lines = z.number().int().min(0).max(1000).default(3).describe('Lines of context around each change');
export const token = z.string().optional().describe('Access token for the remote (sent as HTTP basic auth; never stored or echoed)');

type Hints = [readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean];
export type LockMode = 'read' | 'write' | 'none';

export interface Spec {
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  hints: Hints;
  lock: LockMode;
  /** False for tools that create the repository (init, clone) or need none (list_repos). */
  needsRepo?: boolean;
  /** Stores new objects or file bytes: refused once the repository is at MAX_REPO_BYTES. */
  grows?: boolean;
}

export const fileChange = z.object({ path: z.string(), status: z.string() });
export const diffOut = z.object({ diff: z.string(), files: z.array(fileChange) });
export const commitOut = z.object({
  hash: z.string(),
  author: z.string(),
  email: z.string(),
  date: z.string(),
  message: z.string(),
  parents: z.array(z.string()),
});
