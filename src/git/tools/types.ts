/** What a git tool handler receives and returns. Handlers are plain async functions. */
import type { Repo } from '../repo';
import type { ArgsOf, OutputOf, ToolName } from './schema';

export interface Actor {
  name: string;
  email: string;
}

export interface ToolContext {
  repo: Repo;
  /** The repository name (`demo`), as the caller should see it in messages. */
  name: string;
  actor: Actor;
  bucket: R2Bucket;
  /** Plain-http and private/loopback remotes allowed (local development only). */
  allowPrivate: boolean;
}

interface ToolOutput<D = Record<string, unknown>> {
  text: string;
  data: D;
}

export type Handler<N extends ToolName> = (ctx: ToolContext, args: ArgsOf<N>) => Promise<ToolOutput<OutputOf<N>>>;
export type Handlers<K extends ToolName> = { [N in K]: Handler<N> };
