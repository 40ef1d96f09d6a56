/**
 * Native git for end-to-end tests (Node only): an environment that ignores the machine's git
 * configuration, never prompts, and has a fixed identity, so runs are the same everywhere.
 */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'native',
  GIT_AUTHOR_EMAIL: 'native@example.com',
  GIT_COMMITTER_NAME: 'native',
  GIT_COMMITTER_EMAIL: 'native@example.com',
};
