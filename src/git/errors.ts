/**
 * Tool failures of the git server. A GitToolError is an expected failure with a message a person
 * can act on (unknown revision, bad argument); it becomes an `isError: true` result. Errors
 * thrown by isomorphic-git are mapped to the same kind of message by `describeError`; anything
 * else is an internal error (logged, generic text).
 */
export class GitToolError extends Error {
  readonly gitTool = true;
  constructor(message: string) {
    super(message);
    this.name = 'GitToolError';
  }
}

export function isGitToolError(e: unknown): e is GitToolError {
  return typeof e === 'object' && e !== null && (e as GitToolError).gitTool === true;
}

interface IsoGitError {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

function isIsoGitError(e: unknown): e is IsoGitError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && /Error$/.test((e as unknown as { code: string }).code);
}

/** A message for an expected failure, or null when the error is internal. */
export function describeError(e: unknown): string | null {
  if (isGitToolError(e)) return e.message;
  if (!isIsoGitError(e)) return null;
  const data = e.data ?? {};
  switch (e.code) {
    case 'NotFoundError':
      return `Not found: ${String(data.what ?? e.message)}`;
    case 'AlreadyExistsError':
      return `Already exists: ${String(data.where ?? '')} '${String(data.noun ?? '')}'`.replace(/ +/g, ' ');
    case 'CheckoutConflictError':
      return `Your local changes would be overwritten; commit or discard them first: ${((data.filepaths as string[]) ?? []).join(', ')}`;
    case 'MergeConflictError':
      return `Merge conflict in: ${((data.filepaths as string[]) ?? []).join(', ')}`;
    case 'HttpError':
      return `Remote answered HTTP ${String(data.statusCode ?? '')} ${String(data.statusMessage ?? '')}`.trim();
    case 'SmartHttpError':
    case 'UrlParseError':
    case 'UnknownTransportError':
    case 'PushRejectedError':
    case 'FastForwardError':
    case 'InvalidRefNameError':
    case 'AmbiguousError':
    case 'UnmergedPathsError':
    case 'MissingNameError':
    case 'NoRefspecError':
    case 'EmptyServerResponseError':
    case 'UserCanceledError':
      return e.message;
    default:
      return null;
  }
}
