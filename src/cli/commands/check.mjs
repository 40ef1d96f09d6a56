/**
 * `edgehub check [servers…]`: a live list_tools against each upstream (POST /admin/api/check).
 * One request per server, four at a time, so progress shows each result as it lands and one slow
 * upstream does not hide the others. Without names: the enabled, mountable servers (`--all` adds
 * disabled ones). Exit 1 if any check failed.
 */
import { EXIT } from '../lib/errors.mjs';
import { note, printJson, printTable, progress } from '../lib/output.mjs';

const CONCURRENCY = 4;

/** @type {import('../lib/args.mjs').Command} */
export const check = {
  summary: 'check that servers answer list_tools (exit 1 if any fails)',
  args: '[SERVER…]',
  options: { all: { type: 'boolean', desc: 'also check disabled servers' } },
  async run(ctx) {
    const api = ctx.client();
    let names = ctx.args;
    /** @type {string[]} */
    let skipped = [];
    if (names.length === 0) {
      const { json } = await api.admin('GET', '/servers');
      const all = /** @type {any[]} */ (json.servers);
      const wanted = all.filter((s) => s.kind !== 'stdio' && (ctx.values.all || s.enabled !== false));
      names = wanted.map((s) => s.name);
      skipped = all.filter((s) => !wanted.includes(s)).map((s) => s.name);
    }
    /** @type {Record<string, { ok: boolean, tools?: number, error?: string, ms: number }>} */
    const results = {};
    const bar = progress(ctx.out, `checking ${names.length} server(s)`);
    let done = 0;
    const queue = [...names];
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          const r = await api.admin('POST', '/check', { body: { servers: [n] } });
          results[n] = r.json.results[n] ?? { ok: false, error: `server '${n}' does not exist`, ms: 0 };
          done++;
          bar.update(`[${done}/${names.length}] ${n}: ${results[n].ok ? `ok, ${results[n].tools} tools` : 'FAILED'}`);
        }
      }),
    );
    const failed = names.filter((n) => !results[n].ok);
    bar.done(`checked ${names.length} server(s): ${names.length - failed.length} ok, ${failed.length} failed`);
    if (ctx.out.json) printJson(ctx.out, { results, failed, skipped });
    else {
      const rows = names.map((n) => ({
        name: n,
        status: results[n].ok ? 'ok' : 'FAILED',
        tools: results[n].tools,
        ms: results[n].ms,
        error: results[n].error,
      }));
      printTable(
        ctx.out,
        [
          ['name', 'NAME'],
          ['status', 'STATUS'],
          ['tools', 'TOOLS'],
          ['ms', 'MS'],
          ['error', 'ERROR'],
        ],
        rows,
        'no servers to check',
      );
      if (skipped.length) note(ctx.out, `not checked (disabled or stdio): ${skipped.join(', ')}${ctx.values.all ? '' : '; --all includes disabled ones'}`);
    }
    return failed.length ? EXIT.FAILED : EXIT.OK;
  },
};
