/**
 * Command lines: finds the command (`edgehub <group> [<sub>]`), parses its options with
 * node:util parseArgs (strict: an unknown flag is a usage error, exit 2) and renders `--help`.
 * Global options may appear anywhere. `--no-X` flags are plain booleans named `no-X` (parseArgs'
 * allowNegative needs Node ≥ 22.4; the bin supports Node 20).
 */
import { parseArgs } from 'node:util';
import { usage } from './errors.mjs';

/**
 * @typedef {{ type: 'string' | 'boolean', short?: string, multiple?: boolean, value?: string, desc: string }} OptionSpec
 * @typedef {{ values: Record<string, any>, positionals: string[] }} Parsed
 * @typedef {{
 *   summary: string,
 *   args?: string,
 *   description?: string,
 *   options?: Record<string, OptionSpec>,
 *   minArgs?: number,
 *   maxArgs?: number,
 *   run: (ctx: import('./context.mjs').Ctx) => Promise<number | void>,
 * }} Command
 * @typedef {{ summary: string, commands: Record<string, Command> } | Command} Entry
 */

/** @type {Record<string, OptionSpec>} */
export const GLOBAL_OPTIONS = {
  url: { type: 'string', value: 'URL', desc: 'edgehub base URL (env EDGEHUB_URL; default http://127.0.0.1:8787)' },
  token: { type: 'string', value: 'JWT', desc: 'admin access token (prefer env EDGEHUB_TOKEN: flags show up in `ps`)' },
  json: { type: 'boolean', desc: 'machine-readable JSON on stdout' },
  quiet: { type: 'boolean', short: 'q', desc: 'no progress or notes on stderr' },
  timeout: { type: 'string', value: 'SECONDS', desc: 'per-request timeout (default 120)' },
  help: { type: 'boolean', short: 'h', desc: 'show help' },
};

/** For commands that write config: refuse unknown keys instead of keeping them with a warning. */
/** @type {Record<string, OptionSpec>} */
export const STRICT_OPTION = { strict: { type: 'boolean', desc: 'refuse unknown keys (?strict=true) instead of keeping them with a warning' } };

/** @param {Record<string, unknown>} v the parsed options */
export const strictQuery = (v) => (v.strict ? 'true' : undefined);

/**
 * Splits argv into the command path (group, sub) and the rest, skipping global options and
 * the values of the global options that take one.
 * @param {string[]} argv
 */
export function commandPath(argv) {
  const path = /** @type {string[]} */ ([]);
  const rest = /** @type {string[]} */ ([]);
  const takesValue = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([k, o]) => (o.type === 'string' ? [`--${k}`] : [])));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('-')) {
      rest.push(a);
      if (takesValue.has(a) && i + 1 < argv.length) rest.push(argv[++i]);
    } else if (path.length < 2) path.push(a);
    else rest.push(a);
  }
  return { path, rest };
}

/** @param {Command} cmd @param {string[]} argv @returns {Parsed} */
export function parseCommand(cmd, argv) {
  const options = { ...GLOBAL_OPTIONS, ...cmd.options };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
      ),
    });
  } catch (e) {
    throw usage(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
  if (!parsed.values.help) {
    const n = parsed.positionals.length;
    if (n < (cmd.minArgs ?? 0)) throw usage(`missing argument: ${cmd.args ?? ''}`.trim());
    if (cmd.maxArgs !== undefined && n > cmd.maxArgs) throw usage(`unexpected argument '${parsed.positionals[cmd.maxArgs]}'`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** @param {Record<string, OptionSpec>} options */
function optionLines(options) {
  const rows = Object.entries(options).map(([k, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${k}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' …' : ''}`,
    o.desc,
  ]);
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(w)}  ${d}`).join('\n');
}

/** @param {string} name e.g. "servers add" @param {Command} cmd */
export function commandHelp(name, cmd) {
  const parts = [`Usage: edgehub ${name}${cmd.args ? ` ${cmd.args}` : ''} [options]`, '', cmd.summary];
  if (cmd.description) parts.push('', cmd.description.trim());
  if (cmd.options && Object.keys(cmd.options).length) parts.push('', 'Options:', optionLines(cmd.options));
  parts.push('', 'Global options:', optionLines(GLOBAL_OPTIONS));
  return `${parts.join('\n')}\n`;
}

/** @param {string} name @param {{ summary: string, commands: Record<string, Command> }} group */
export function groupHelp(name, group) {
  const w = Math.max(...Object.keys(group.commands).map((k) => k.length));
  const lines = Object.entries(group.commands).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`);
  return `Usage: edgehub ${name} <command> [options]\n\n${group.summary}\n\nCommands:\n${lines.join('\n')}\n\nRun \`edgehub ${name} <command> --help\` for a command's options.\n`;
}

/** @param {Record<string, Entry>} tree */
export function rootHelp(tree) {
  const w = Math.max(...Object.keys(tree).map((k) => k.length));
  const lines = Object.entries(tree).map(([k, e]) => `  ${k.padEnd(w)}  ${e.summary}`);
  return [
    'Usage: edgehub <command> [options]',
    '',
    'Manage an edgehub MCP gateway from the terminal: keys and tokens, servers, config, kits, checks.',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    optionLines(GLOBAL_OPTIONS),
    '',
    'Environment: EDGEHUB_URL, EDGEHUB_TOKEN, EDGEHUB_HOME (key directory, default ~/.edgehub).',
    'Exit codes: 0 ok, 1 failed/refused, 2 usage, 3 unreachable, 4 auth refused, 5 conflict.',
    'Run `edgehub <command> --help` for details.',
    '',
  ].join('\n');
}
