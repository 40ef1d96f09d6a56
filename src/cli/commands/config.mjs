/**
 * `edgehub config export|import`. Import takes a Magg `config.json` as is and replaces the whole
 * configuration in one versioned change, sent with `If-Match: <version read>` so a change that
 * lands in between is reported (exit 5), never overwritten. `--dry-run` shows the plan and the
 * local pre-check without writing; the server remains the authority on validity. Unknown keys
 * are the server's to judge: it keeps them and the CLI prints its warnings (`--strict` refuses them).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { STRICT_OPTION, strictQuery } from '../lib/args.mjs';
import { CliError, EXIT } from '../lib/errors.mjs';
import { note, printJson, println, printPairs, printWarnings, progress, warn } from '../lib/output.mjs';

// Light local pre-check (mirrors src/config/schema.ts; the API validates fully and names the field).
const SERVER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const PREFIX_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,29}$/;
const REDACTED = '***';

/** A JSON file (or stdin for `-`), with errors that name the file. @param {string} file */
export function readJson(file) {
  let text;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${/** @type {any} */ (e).code ?? e}`, { field: 'FILE' });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${e instanceof Error ? e.message : e}`, { field: 'FILE' });
  }
}

/** @param {any} cfg @returns {{ field: string, message: string }[]} */
export function precheck(cfg) {
  /** @type {{ field: string, message: string }[]} */
  const problems = [];
  const p = (/** @type {string} */ field, /** @type {string} */ message) => problems.push({ field, message });
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg))
    return [{ field: '(root)', message: 'the config must be a JSON object with "servers" (and optionally "kits")' }];
  for (const [name, s] of Object.entries(cfg.servers ?? {})) {
    const f = `servers.${name}`;
    if (!SERVER_NAME_RE.test(name)) p(f, 'server names are letters, digits, . _ - (max 64)');
    if (typeof s !== 'object' || s === null) {
      p(f, 'must be an object');
      continue;
    }
    if (s.prefix != null && s.prefix !== '' && !PREFIX_RE.test(s.prefix)) p(`${f}.prefix`, "prefix must be letters, digits, '-' (no '_'), at most 30 chars");
    if (s.uri != null && !/^(https?:\/\/|builtin:)/.test(String(s.uri))) p(`${f}.uri`, 'uri must be an http(s) URL or builtin:<name>');
    if (s.enabled !== undefined && typeof s.enabled !== 'boolean') p(`${f}.enabled`, 'must be true or false');
  }
  return problems;
}

/**
 * Paths of values that are `***` (a redacted export): importing them would store the asterisks.
 * @param {unknown} v @param {string} [path] @returns {string[]}
 */
function redactedPaths(v, path = '') {
  if (v === REDACTED) return [path];
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => redactedPaths(x, path ? `${path}.${k}` : k));
}

/**
 * What replacing `before` with `after` does, in the API's terms (src/config/changes.ts diff).
 * @param {Record<string, any>} before @param {Record<string, any>} after
 */
export function plan(before, after) {
  /** @type {{ remove: string[], disable: string[], update: string[], enable: string[], add: string[], kits: { add: string[], remove: string[], update: string[] } }} */
  const out = { remove: [], disable: [], update: [], enable: [], add: [], kits: { add: [], remove: [], update: [] } };
  const bs = before.servers ?? {};
  const as = after.servers ?? {};
  for (const n of Object.keys(bs)) if (!as[n]) out.remove.push(n);
  for (const [n, s] of Object.entries(as)) {
    const b = bs[n];
    if (!b) out.add.push(n);
    else if (b.enabled !== false && s.enabled === false) out.disable.push(n);
    else if (b.enabled === false && s.enabled !== false) out.enable.push(n);
    else if (JSON.stringify({ ...b, enabled: undefined }) !== JSON.stringify({ ...s, enabled: undefined })) out.update.push(n);
  }
  const bk = kitsOf(before);
  const ak = kitsOf(after);
  for (const n of Object.keys(bk)) if (!ak[n]) out.kits.remove.push(n);
  for (const n of Object.keys(ak)) {
    if (!bk[n]) out.kits.add.push(n);
    else if (JSON.stringify(bk[n]) !== JSON.stringify(ak[n])) out.kits.update.push(n);
  }
  return out;
}

/** Kits as a map (Magg's legacy form is a list of names). @param {Record<string, any>} c @returns {Record<string, unknown>} */
const kitsOf = (c) => (Array.isArray(c.kits) ? Object.fromEntries(c.kits.map((/** @type {string} */ n) => [n, { name: n }])) : (c.kits ?? {}));

/** @param {Record<string, any>} p a plan() or the API's `changes` */
function planPairs(p) {
  /** @type {[string, unknown][]} */
  const out = ['add', 'remove', 'update', 'enable', 'disable', 'viaConnector'].filter((k) => p[k]?.length).map((k) => [k, p[k].join(', ')]);
  for (const k of ['add', 'remove', 'update']) if (p.kits?.[k]?.length) out.push([`kits ${k}`, p.kits[k].join(', ')]);
  return out;
}

/**
 * Order-insensitive JSON equality (missing `servers`/`kits` = empty, as the API defaults them).
 * @param {Record<string, unknown>} a @param {Record<string, unknown>} b
 */
function same(a, b) {
  /** @type {(v: any) => unknown} */
  const canon = (v) =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon(v[k])]),
          )
        : v;
  const norm = (/** @type {Record<string, unknown>} */ c) => JSON.stringify(canon({ servers: {}, kits: {}, ...c }));
  return norm(a) === norm(b);
}

const version = (/** @type {Headers} */ h) => (h.get('etag') ?? '').replace(/"/g, '');

/** @type {import('../lib/args.mjs').Command} */
const exportCmd = {
  summary: 'print the current config (Magg config.json format, secrets redacted)',
  options: { output: { type: 'string', short: 'o', value: 'FILE', desc: 'write to FILE instead of stdout' } },
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/config');
    const text = `${JSON.stringify(r.json, null, 2)}\n`;
    const hidden = redactedPaths(r.json);
    if (ctx.values.output) {
      writeFileSync(ctx.values.output, text);
      note(ctx.out, `wrote ${ctx.values.output} (config version ${version(r.headers)})`);
    } else ctx.out.stdout.write(text);
    if (hidden.length)
      warn(
        ctx.out,
        `${hidden.length} secret value(s) are redacted as "***" (${hidden.slice(0, 3).join(', ')}${hidden.length > 3 ? ', …' : ''}); replace them with \${SECRET} references before importing this file`,
      );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const importCmd = {
  summary: 'replace the config with FILE (a Magg config.json as is; - for stdin)',
  args: 'FILE',
  description: `Mount-checks the enabled HTTP servers first and saves nothing if one fails. stdio entries
(command/args), and http(s) ones naming transport.connector, are kept and served by a connector
(edgehub connect) unchecked. Sent with If-Match: a change made
meanwhile is reported (exit 5) instead of overwritten.`,
  options: {
    'dry-run': { type: 'boolean', desc: 'show what would change; write nothing' },
    'no-check': { type: 'boolean', desc: 'save without mount checks (?check=false)' },
    ...STRICT_OPTION,
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const [file] = ctx.args;
    const cfg = readJson(file);
    const problems = precheck(cfg);
    const hidden = redactedPaths(cfg);
    for (const h of hidden) problems.push({ field: h, message: 'is "***" (a redacted export): put the real value or a ${SECRET} reference' });
    const api = ctx.client();
    const cur = await api.admin('GET', '/config');
    const base = version(cur.headers);
    const p = plan(cur.json, cfg);
    if (ctx.values['dry-run']) {
      if (ctx.out.json) printJson(ctx.out, { dryRun: true, version: Number(base), changes: p, problems });
      else {
        println(ctx.out, `dry run: importing ${file} over config version ${base} would:`);
        const pairs = planPairs(p);
        printPairs(ctx.out, pairs.length ? pairs : [['change', 'nothing (same servers)']]);
        for (const x of problems) println(ctx.out, `problem: ${x.field}: ${x.message}`);
      }
      return problems.length ? EXIT.FAILED : EXIT.OK;
    }
    if (problems.length) {
      const [first] = problems;
      throw new CliError(`${file}: ${first.field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more; see --dry-run)` : ''}`, {
        field: first.field,
      });
    }
    if (same(cur.json, cfg)) {
      if (ctx.out.json) return printJson(ctx.out, { ok: true, version: Number(base), changes: null });
      return println(ctx.out, `config version ${base} already equals ${file}; nothing to import`);
    }
    const servers = Object.entries(cfg.servers ?? {});
    const checking = ctx.values['no-check'] ? 0 : servers.filter(([, s]) => s.enabled !== false && s.uri).length;
    const bar = progress(ctx.out, `importing ${servers.length} server(s) over version ${base}${checking ? `, mount-checking ${checking}` : ''}`);
    let r;
    try {
      r = await api.admin('PUT', '/config', {
        body: cfg,
        headers: { 'if-match': `"${base}"` },
        query: { check: ctx.values['no-check'] ? 'false' : undefined, strict: strictQuery(ctx.values) },
      });
    } catch (e) {
      bar.done();
      if (e instanceof CliError && e.status === 412)
        throw new CliError(`the config changed on the server after it was read (version ${base}); nothing was written`, {
          exitCode: EXIT.CONFLICT,
          hint: 'review it (`edgehub config export`) and re-run the import',
        });
      if (e instanceof CliError && e.status === 422) e.hint ??= 'fix or disable that server in the file, or import with --no-check';
      throw e;
    }
    bar.done(`imported ${file}: config version ${base} → ${r.json.version}`);
    printWarnings(ctx.out, r.json);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const pairs = planPairs(r.json.changes ?? {});
    printPairs(ctx.out, [['version', r.json.version], ...(pairs.length ? pairs : /** @type {[string, unknown][]} */ ([['change', 'none']]))]);
    if (r.json.changes?.viaConnector?.length)
      note(
        ctx.out,
        `note: ${r.json.changes.viaConnector.join(', ')} are served by a connector (stdio, or http(s) reached from its machine) (\`edgehub connect\`, README "Connectors")`,
      );
  },
};

export const config = { summary: 'export and import the whole config (Magg config.json)', commands: { export: exportCmd, import: importCmd } };
