#!/usr/bin/env node
/**
 * `edgehub`: the command-line client of an edgehub gateway (package bin). Plain Node ESM with
 * JSDoc types — no build step, runs on Node ≥ 20, never bundled into the Worker (the Worker's
 * tsconfig excludes src/cli; ./tsconfig.json type-checks it). Commands live in ./commands, one
 * module per group; the plumbing (arguments, admin client, output, keys) in ./lib; the token
 * format and claim rules are ../auth/tokens.mjs, shared with the Worker. See docs/cli.md.
 *
 * Failures print `edgehub: <message>` (plus the API's `field` and a hint) on stderr and exit
 * non-zero by class (lib/errors.mjs). The access token is never printed.
 */
import { readFileSync } from 'node:fs';
import { auth } from './commands/auth.mjs';
import { check } from './commands/check.mjs';
import { config } from './commands/config.mjs';
import { connect } from './commands/connect.mjs';
import { connections } from './commands/connections.mjs';
import { kits } from './commands/kits.mjs';
import { profiles } from './commands/profiles.mjs';
import { secrets as secretsCmd } from './commands/secrets.mjs';
import { servers } from './commands/servers.mjs';
import { status } from './commands/status.mjs';
import { commandHelp, commandPath, groupHelp, parseCommand, rootHelp } from './lib/args.mjs';
import { createCtx } from './lib/context.mjs';
import { CliError, EXIT, usage } from './lib/errors.mjs';

/** @type {Record<string, import('./lib/args.mjs').Entry>} */
const TREE = { auth, servers, config, kits, profiles, secrets: secretsCmd, check, status, connect, connections };

function version() {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return `edgehub ${pkg.version}`;
}

/** @param {string[]} argv @param {NodeJS.ProcessEnv} env @returns {Promise<number>} */
export async function main(argv, env = process.env) {
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  const { path, rest } = commandPath(argv);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (path.length === 0) {
    if (rest.includes('--version') || rest.includes('-V')) {
      process.stdout.write(`${version()}\n`);
      return EXIT.OK;
    }
    process.stdout.write(rootHelp(TREE));
    return wantsHelp ? EXIT.OK : EXIT.USAGE;
  }
  const entry = TREE[path[0]];
  if (!entry) throw usage(`unknown command '${path[0]}' (commands: ${Object.keys(TREE).join(', ')})`);

  /** @type {import('./lib/args.mjs').Command} */
  let cmd;
  let name = path[0];
  /** @type {string[]} */
  let args = rest;
  if ('commands' in entry) {
    if (!path[1]) {
      process.stdout.write(groupHelp(name, entry));
      return wantsHelp ? EXIT.OK : EXIT.USAGE;
    }
    cmd = entry.commands[path[1]];
    if (!cmd) throw usage(`unknown command '${path[0]} ${path[1]}' (${path[0]} commands: ${Object.keys(entry.commands).join(', ')})`);
    name = `${path[0]} ${path[1]}`;
  } else {
    cmd = entry;
    // A single command parses everything but its own name, in order (`connect --name laptop`).
    const at = argv.indexOf(path[0]);
    if (path[1] !== undefined) args = argv.filter((_, i) => i !== at);
  }
  // Positionals after the first two stayed in `rest`, in order, after the options they followed.
  const parsed = parseCommand(cmd, args);
  if (parsed.values.help) {
    process.stdout.write(commandHelp(name, cmd));
    return EXIT.OK;
  }
  const code = await cmd.run(createCtx(parsed, env));
  return typeof code === 'number' ? code : EXIT.OK;
}

/** Tokens this process was given (env or --token), to scrub from anything printed. @param {string[]} argv @param {NodeJS.ProcessEnv} env */
function secrets(argv, env) {
  const out = [(env.EDGEHUB_TOKEN ?? '').trim().replace(/^Bearer\s+/i, '')];
  argv.forEach((a, i) => {
    if (a === '--token') out.push(argv[i + 1] ?? '');
    else if (a.startsWith('--token=')) out.push(a.slice(8));
  });
  return out.map((t) => t.trim()).filter((t) => t.length > 8);
}

/** @param {unknown} e @param {string[]} argv @param {NodeJS.ProcessEnv} env */
function report(e, argv, env) {
  const tokens = secrets(argv, env);
  const scrub = (/** @type {string} */ s) => tokens.reduce((acc, t) => acc.split(t).join('[token]'), s);
  const json = argv.includes('--json');
  if (e instanceof CliError && json) {
    // Scripts asked for JSON: the error too, on stderr, in the API's shape.
    const body = {
      error: e.code ?? 'error',
      message: e.message,
      ...(e.field ? { field: e.field } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
      exitCode: e.exitCode,
    };
    process.stderr.write(`${scrub(JSON.stringify(body))}\n`);
    return e.exitCode;
  }
  if (e instanceof CliError) {
    const lines = [`edgehub: ${e.message}`];
    if (e.field) lines.push(`  field: ${e.field}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
    process.stderr.write(`${scrub(lines.join('\n'))}\n`);
    return e.exitCode;
  }
  const err = /** @type {any} */ (e);
  process.stderr.write(`${scrub(`edgehub: unexpected error: ${err?.message ?? e}${env.EDGEHUB_DEBUG ? `\n${err?.stack ?? ''}` : ''}`)}\n`);
  return EXIT.FAILED;
}

const isMain = process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isMain) {
  const argv = process.argv.slice(2);
  main(argv)
    .catch((e) => report(e, argv, process.env))
    .then((code) => {
      process.exitCode = code;
    });
}
