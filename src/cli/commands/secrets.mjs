/**
 * `edgehub secrets set|list|rm` over /admin/api/secrets: the tenant's own secret store, which
 * `${NAME}` in upstream headers resolves from. The value is read from stdin (a pipe, or typed
 * without echo on a terminal), never from an argument: arguments end up in shell history and
 * `ps`. No command ever prints a value (the API never returns one).
 */
import { usage } from '../lib/errors.mjs';
import { note, printJson, println, printTable } from '../lib/output.mjs';

const enc = encodeURIComponent;
const NAME = /^[A-Z_][A-Z0-9_]*$/;

/** @param {string} name */
function checkName(name) {
  if (!NAME.test(name)) throw usage(`invalid secret name '${name}': use upper-case letters, digits and _ (not starting with a digit), e.g. API_TOKEN`);
}

/** Everything on a piped stdin, minus one trailing newline (what `echo` and most files add). */
async function readPiped() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** One line typed on a terminal without echo (raw mode); Ctrl-C aborts. @param {string} prompt */
function readHidden(prompt) {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    /** @param {Buffer} buf */
    const onData = (buf) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(usage('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    /** @param {Error | null} err */
    const done = (err) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    stdin.on('data', onData);
  });
}

/** @type {import('../lib/args.mjs').Command} */
const set = {
  summary: 'store a secret (value from stdin, e.g. `printf %s "$TOKEN" | edgehub secrets set API_TOKEN`)',
  args: 'NAME',
  description: `The value is read from stdin (one trailing newline is dropped); on a terminal it is typed
without echo. Reference it in an upstream header as \${NAME}, e.g. --header 'Authorization=Bearer \${NAME}'.
Servers that reference NAME reconnect with the new value (the change is a new config version).`,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const [name] = ctx.args;
    checkName(name);
    const value = process.stdin.isTTY ? await readHidden(`value for ${name}: `) : await readPiped();
    if (value === '') throw usage('the value is empty: pipe it on stdin, e.g. `printf %s "$TOKEN" | edgehub secrets set NAME`');
    const r = await ctx.client().admin('PUT', `/secrets/${enc(name)}`, { body: { value } });
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const servers = r.json.servers ?? [];
    println(ctx.out, `set secret ${name}${servers.length ? ` (used by ${servers.join(', ')}; config version ${r.json.version})` : ''}`);
    if (!servers.length) note(ctx.out, `no server references it yet: use \${${name}} in a header`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list secret names and when they were updated (never values)',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/secrets');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = r.json.secrets.map((/** @type {any} */ s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() }));
    printTable(
      ctx.out,
      [
        ['name', 'NAME'],
        ['updatedAt', 'UPDATED'],
        ['updatedBy', 'BY'],
      ],
      rows,
      'no secrets',
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const rm = {
  summary: 'delete a secret (servers that reference it fail to connect until it is set again)',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const [name] = ctx.args;
    checkName(name);
    const r = await ctx.client().admin('DELETE', `/secrets/${enc(name)}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const servers = r.json.servers ?? [];
    println(ctx.out, `removed secret ${name}${servers.length ? ` (still referenced by ${servers.join(', ')}: they cannot connect)` : ''}`);
  },
};

export const secrets = { summary: "manage the tenant's secrets (${NAME} in upstream headers)", commands: { set, list, rm } };
