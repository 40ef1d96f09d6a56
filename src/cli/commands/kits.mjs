/**
 * `edgehub kits list|info|load|unload` over /admin/api/kits. Loading adds the kit's servers
 * (tagged with the kit); unloading removes only servers that belong to no other kit (Magg).
 */
import { printJson, println, printPairs, printTable } from '../lib/output.mjs';

const enc = encodeURIComponent;

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list kits, whether they are loaded, and their servers',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().admin('GET', '/kits');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = r.json.kits.map((/** @type {any} */ k) => ({ ...k, loaded: k.loaded ? 'yes' : 'no' }));
    printTable(
      ctx.out,
      [
        ['name', 'NAME'],
        ['loaded', 'LOADED'],
        ['servers', 'SERVERS'],
        ['description', 'DESCRIPTION'],
      ],
      rows,
      'no kits',
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const info = {
  summary: "show a kit's definition",
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('GET', `/kits/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    printPairs(
      ctx.out,
      Object.entries(r.json).map(([k, v]) => [k, k === 'servers' && v ? Object.keys(v).join(', ') : v]),
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const load = {
  summary: "add the kit's servers (mount-checked)",
  args: 'NAME',
  options: { 'no-enable': { type: 'boolean', desc: 'add the servers disabled (?enable=false)' } },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('POST', `/kits/${enc(ctx.args[0])}/load`, { query: { enable: ctx.values['no-enable'] ? 'false' : undefined } });
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `loaded kit '${ctx.args[0]}' (config version ${r.json.version})`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const unload = {
  summary: 'remove the kit (servers in another kit stay)',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().admin('POST', `/kits/${enc(ctx.args[0])}/unload`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, `unloaded kit '${ctx.args[0]}' (config version ${r.json.version})`);
  },
};

export const kits = { summary: 'list, load and unload kits (bundles of servers)', commands: { list, info, load, unload } };
