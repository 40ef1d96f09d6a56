/**
 * `edgehub profiles list|info|set|rm` over /admin/api/profiles: curated views of the tool list,
 * served at `/mcp/p/NAME` (README "Tool search, code mode and profiles"). Each change is one
 * versioned, audited config change; live sessions get `notifications/tools/list_changed`.
 */
import { note, printJson, println, printPairs, printTable } from '../lib/output.mjs';
import { readJson } from './config.mjs';

const enc = encodeURIComponent;

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list profiles with their servers, filters and mode',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/profiles');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = Object.entries(r.json.profiles).map(([name, /** @type {any} */ p]) => ({
      name,
      mode: p.mode ?? 'full',
      servers: p.servers ?? 'all',
      include: p.include ?? '',
      exclude: p.exclude ?? '',
      tools: Object.keys(p.tools ?? {}).length,
    }));
    printTable(
      ctx.out,
      [
        ['name', 'NAME'],
        ['mode', 'MODE'],
        ['servers', 'SERVERS'],
        ['include', 'INCLUDE'],
        ['exclude', 'EXCLUDE'],
        ['tools', 'TOOL OVERRIDES'],
      ],
      rows,
      'no profiles',
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const info = {
  summary: "show a profile's definition",
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('GET', `/profiles/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    printPairs(
      ctx.out,
      Object.entries(r.json).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]),
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const set = {
  summary: 'create or replace a profile from a JSON file (- = stdin)',
  args: 'NAME FILE',
  description: `FILE holds the profile, e.g. {"servers": ["git"], "exclude": ["git_push"],
"tools": {"git_commit": {"name": "save_work", "description": "…"}, "git_rm": {"hidden": true}},
"mode": "search"}. It is served at /mcp/p/NAME.`,
  minArgs: 2,
  maxArgs: 2,
  async run(ctx) {
    const body = readJson(ctx.args[1]);
    const r = await ctx.client().admin('PUT', `/profiles/${enc(ctx.args[0])}`, { body });
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `saved profile '${ctx.args[0]}' (config version ${r.json.version})`);
    note(ctx.out, `served at /mcp/p/${ctx.args[0]}`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const rm = {
  summary: 'remove a profile',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('DELETE', `/profiles/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `removed profile '${ctx.args[0]}' (config version ${r.json.version})`);
  },
};

export const profiles = { summary: 'list, show, set and remove profiles (curated tool views at /mcp/p/NAME)', commands: { list, info, set, rm } };
