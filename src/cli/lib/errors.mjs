/**
 * The CLI's one error type and its exit codes. Every failure a person can act on is a CliError
 * with a message (and the API's `field` when it named one); anything else is a bug and is
 * reported as such. Scripts branch on the exit code:
 *
 *   0 ok · 1 refused or failed (API 4xx/5xx, failed checks) · 2 usage (bad flags/arguments)
 *   3 cannot reach edgehub · 4 not authenticated / not allowed (401/403) · 5 conflict (409/412)
 */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, AUTH: 4, CONFLICT: 5 });

export class CliError extends Error {
  /**
   * @param {string} message what went wrong, in words a person can act on
   * @param {{ exitCode?: number, field?: string, hint?: string, status?: number, code?: string }} [o]
   */
  constructor(message, o = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = o.exitCode ?? EXIT.FAILED;
    this.field = o.field;
    this.hint = o.hint;
    this.status = o.status;
    this.code = o.code;
  }
}

/** @param {string} message */
export const usage = (message) => new CliError(message, { exitCode: EXIT.USAGE, hint: 'see --help' });
