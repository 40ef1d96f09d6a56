/**
 * `edgehub servers list|info|add|update|remove|enable|disable` over /admin/api/servers.
 * Adding or enabling mounts first and saves only if the mount works (the API's rule); `--no-check`
 * maps to `?check=false` for servers that are not reachable yet.
 */

import { shellWords } from '../../utils/shell-words.mjs';
import { STRICT_OPTION, strictQuery } from '../lib/args.mjs';
import { CliError, usage } from '../lib/errors.mjs';
import { note, printJson, println, printPairs, printTable, printWarnings } from '../lib/output.mjs';

const enc = encodeURIComponent;
/** @type {Record<string, import('../lib/args.mjs').OptionSpec>} */
const NO_CHECK = { 'no-check': { type: 'boolean', desc: 'save without the mount check (?check=false)' } };

/** @param {Record<string, any>} v */
const checkQuery = (v) => ({ check: v['no-check'] ? 'false' : undefined, strict: strictQuery(v) });

/** `K=V` or `K: V` pairs → object. @param {string[] | undefined} list @param {string} flag */
function pairs(list, flag) {
  if (!list?.length) return undefined;
  /** @type {Record<string, string>} */
  const o = {};
  for (const item of list) {
    const m = /^([^=:]+?)\s*(?:=|:\s*)(.*)$/s.exec(item);
    if (!m) throw usage(`--${flag} takes KEY=VALUE (got '${item}')`);
    o[m[1].trim()] = m[2];
  }
  return o;
}

/** @type {Record<string, import('../lib/args.mjs').OptionSpec>} */
const ENTRY_OPTIONS = {
  uri: { type: 'string', value: 'URL', desc: 'upstream MCP URL (…/sse = legacy SSE, other http(s) = Streamable HTTP, builtin:git)' },
  prefix: { type: 'string', value: 'P', desc: "tool name prefix: letters, digits, '-' (no '_'), ≤ 30 chars" },
  source: { type: 'string', value: 'S', desc: 'where the server comes from (URL, package, notes)' },
  notes: { type: 'string', value: 'TEXT', desc: 'free-form notes' },
  header: { type: 'string', multiple: true, value: 'K=V', desc: 'upstream request header; ${SECRET} = a tenant secret (with --connector: its env)' },
  connector: { type: 'string', value: 'NAME', desc: 'connector that runs it (stdio) or reaches the --uri from its machine' },
  env: { type: 'string', multiple: true, value: 'K=V', desc: 'stdio environment, set on the connector; ${NAME} resolves there' },
  command: {
    type: 'string',
    value: 'CMD',
    desc: 'stdio command, run by a connector (`edgehub connect`); without --arg a whole command line is split as Magg splits it',
  },
  arg: { type: 'string', multiple: true, value: 'ARG', desc: 'stdio argument (repeatable)' },
  kit: { type: 'string', multiple: true, value: 'KIT', desc: 'kit membership (repeatable)' },
};

/** @param {string} line */
function splitCommand(line) {
  /** @type {string[]} */
  let words;
  try {
    words = shellWords(line);
  } catch (e) {
    throw usage(`--command: ${e instanceof Error ? e.message : e}`);
  }
  if (words.length === 0) throw usage('--command is empty');
  return words;
}

/** @param {Record<string, any>} v */
function entryFrom(v) {
  /** @type {Record<string, unknown>} */
  const e = {};
  for (const k of ['uri', 'prefix', 'source', 'notes', 'command']) if (v[k] !== undefined) e[k] = v[k];
  if (v.arg) e.args = v.arg;
  else if (typeof v.command === 'string') {
    // `--command "npx -y @scope/server /tmp"` as `magg server add` takes it (and hub_add_server).
    const words = splitCommand(v.command);
    e.command = words[0];
    if (words.length > 1) e.args = words.slice(1);
  }
  if (v.kit) e.kits = v.kit;
  const env = pairs(v.env, 'env');
  if (env) e.env = env;
  const headers = pairs(v.header, 'header');
  if (headers) e.transport = { headers };
  if (v.connector) e.transport = { .../** @type {object} */ (e.transport ?? {}), connector: v.connector };
  return e;
}

/** @param {import('../lib/context.mjs').Ctx} ctx @param {any} r @param {string} what */
function reportChange(ctx, r, what) {
  printWarnings(ctx.out, r.json);
  if (ctx.out.json) return printJson(ctx.out, r.json);
  println(ctx.out, `${what} (config version ${r.json.version})`);
}

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list servers with prefix, kind and state',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/servers');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = r.json.servers.map((/** @type {any} */ s) => ({
      ...s,
      state:
        s.enabled === false
          ? 'disabled'
          : s.kind === 'stdio' || ((s.kind === 'http' || s.kind === 'sse') && s.transport?.connector)
            ? 'via connector'
            : 'enabled',
      target: s.uri ?? [s.command, ...(s.args ?? [])].filter(Boolean).join(' '),
    }));
    printTable(
      ctx.out,
      [
        ['name', 'NAME'],
        ['effectivePrefix', 'PREFIX'],
        ['kind', 'KIND'],
        ['state', 'STATE'],
        ['kits', 'KITS'],
        ['target', 'TARGET'],
      ],
      rows,
      'no servers',
    );
    note(ctx.out, `config version ${r.json.version}`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const info = {
  summary: "show one server's configuration (secrets redacted)",
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('GET', `/servers/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const { version, ...s } = r.json;
    printPairs(ctx.out, [...Object.entries(s), ['config version', version]]);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const add = {
  summary: 'add a server: mounted first, saved only if the mount works',
  args: 'NAME',
  description: `Example: edgehub servers add search --uri https://mcp.example.com/mcp --prefix search \\
           --header "Authorization=Bearer \${SEARCH_TOKEN}"`,
  options: {
    ...ENTRY_OPTIONS,
    disabled: { type: 'boolean', desc: 'add it disabled (not mounted, no check)' },
    replace: { type: 'boolean', desc: 'replace an existing server of that name' },
    ...NO_CHECK,
    ...STRICT_OPTION,
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const [name] = ctx.args;
    const v = ctx.values;
    const entry = entryFrom(v);
    if (!entry.uri && !entry.command) throw usage('give the server a --uri or a --command (run by a connector)');
    entry.enabled = !v.disabled;
    const api = ctx.client();
    if (!v.replace) {
      const cur = await api.admin('GET', `/servers/${enc(name)}`, { allow: [404] });
      if (cur.status === 200)
        throw new CliError(`server '${name}' already exists`, {
          exitCode: 5,
          field: 'name',
          hint: 'pass --replace, or change it with `edgehub servers update`',
        });
    }
    const r = await api.admin('PUT', `/servers/${enc(name)}`, { body: entry, query: checkQuery(v) });
    reportChange(ctx, r, `added '${name}'${v.disabled ? ' (disabled)' : ''}`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const update = {
  summary: "change some of a server's fields (others are kept)",
  args: 'NAME',
  options: {
    ...ENTRY_OPTIONS,
    unset: { type: 'string', multiple: true, value: 'FIELD', desc: 'remove a field (e.g. --unset notes)' },
    ...NO_CHECK,
    ...STRICT_OPTION,
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const patch = entryFrom(ctx.values);
    for (const f of ctx.values.unset ?? []) patch[f] = null;
    if (Object.keys(patch).length === 0) throw usage('nothing to change: give at least one field option or --unset');
    const r = await ctx.client().admin('PATCH', `/servers/${enc(ctx.args[0])}`, { body: patch, query: checkQuery(ctx.values) });
    reportChange(ctx, r, `updated '${ctx.args[0]}'`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const remove = {
  summary: 'remove a server (its sessions see tools/list_changed)',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('DELETE', `/servers/${enc(ctx.args[0])}`);
    reportChange(ctx, r, `removed '${ctx.args[0]}'`);
  },
};

/** @param {boolean} on @returns {import('../lib/args.mjs').Command} */
const toggle = (on) => ({
  summary: on ? 'enable a server (mount-checked unless --no-check)' : 'disable a server (kept in the config, unmounted)',
  args: 'NAME',
  options: on ? NO_CHECK : {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('POST', `/servers/${enc(ctx.args[0])}/${on ? 'enable' : 'disable'}`, { query: on ? checkQuery(ctx.values) : {} });
    reportChange(ctx, r, `${on ? 'enabled' : 'disabled'} '${ctx.args[0]}'`);
  },
});

export const servers = {
  summary: 'list, add, change, enable, disable and remove upstream servers',
  commands: { list, info, add, update, remove, enable: toggle(true), disable: toggle(false) },
};
