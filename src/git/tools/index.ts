/** The git tool registry: every name in SPECS has exactly one handler (checked by the type). */
import { branchTools } from './branches';
import { commitTools } from './commit';
import { fileTools } from './files';
import { inspectTools } from './inspect';
import { remoteTools } from './remote';
import type { ToolName } from './schema';
import { stageTools } from './stage';
import type { Handler } from './types';

type RepoTool = Exclude<ToolName, 'list_repos'>;

export const HANDLERS: { [N in RepoTool]: Handler<N> } = {
  ...inspectTools,
  ...stageTools,
  ...commitTools,
  ...branchTools,
  ...fileTools,
  ...remoteTools,
};
