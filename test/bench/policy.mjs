// Policy stage (`npm run bench -- --only policy`): what per-tool policy adds to a call with 50
// rules, the target being ≤ 0.2 ms p50.
//
// 1. In process (the figure the target is checked on): the gateway's real TrustGuard.admit and
//    visible (src/policy/guard.ts, bundled with esbuild for Node's V8, the engine workerd runs)
//    against 50 rules whose last one matches with a CEL `allow`; per call, p50/p99 over batches,
//    with the per-tool match cache cold (every rule scanned, the worst case) and warm.
// 2. End to end, as context: the same upstream mounted twice, once under those 50 rules and once
//    under none, called side by side (interleaved) through wrangler dev on the modern lane. The
//    difference is far below the run-to-run noise of a ~10 ms forwarded call, so it is reported,
//    not checked.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { interleave, ROOT, round, startFixture } from './lib.mjs';
import { modern } from './mcp.mjs';

const RULES = 50;

function policies(server) {
  const rules = Array.from({ length: RULES - 1 }, (_, i) => ({ match: { server, tool: `t_${i}_*` }, allow: `"admin" in principal.scopes || args.n == ${i}` }));
  rules.push({ match: { server, tool: 'who*' }, allow: '"mcp:call" in principal.scopes && tool.server == "pb" && (!has(args.limit) || args.limit < 100)' });
  return rules;
}

async function loadGuard() {
  const out = join(mkdtempSync(join(tmpdir(), 'edgehub-policy-bench-')), 'guard.mjs');
  execFileSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
    [join(ROOT, 'src/policy/guard.ts'), '--bundle', '--format=esm', '--platform=node', `--outfile=${out}`, '--log-level=error'],
    {
      cwd: ROOT,
    },
  );
  return import(pathToFileURL(out).href);
}

function perCall(fn, { batches = 200, batch = 500 } = {}) {
  const per = [];
  for (let i = 0; i < 20; i++) fn(i);
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(i);
    per.push((performance.now() - t0) / batch);
  }
  per.sort((a, b) => a - b);
  const q = (p) => per[Math.min(per.length - 1, Math.floor(p * per.length))];
  return { p50: Number(q(0.5).toFixed(4)), p99: Number(q(0.99).toFixed(4)) };
}

export async function run({ dev, row, check, quick }) {
  // 1. In process.
  const { TrustGuard } = await loadGuard();
  const snapshot = { version: 1, config: { servers: {}, policies: policies('pb') } };
  const guard = new TrustGuard(snapshot, { trust: () => ({}) });
  const principal = { sub: 'bench', tenant: 'default', scopes: ['mcp:read', 'mcp:call'], claims: { dept: 'ops' } };
  const ctx = { principal, clientCapabilities: {}, signal: new AbortController().signal, notify() {}, request: async () => ({}) };
  const tool = { server: 'pb', name: 'whoami', exposed: 'pb_whoami', annotations: { readOnlyHint: true } };
  const args = { limit: 5 };
  // admit() is async (it may wait for a rate bucket or an approval); with allow only it settles at once.
  let pending = 0;
  const warm = perCall(() => {
    pending++;
    guard.admit(ctx, tool, args).then(() => pending--);
  });
  await new Promise((r) => setTimeout(r, 0));
  const cold = perCall(() => {
    guard.rules.matched.clear();
    guard.admit(ctx, tool, args);
  });
  // A principal-only rule (no `args`): decided for the list, once per tool and principal.
  const listRules = policies('pb');
  listRules[RULES - 1] = { match: { server: 'pb', tool: 'who*' }, allow: '"mcp:call" in principal.scopes && tool.server == "pb"' };
  const listGuard = new TrustGuard({ version: 1, config: { servers: {}, policies: listRules } }, { trust: () => ({}) });
  if (!listGuard.visible(ctx, tool)) throw new Error('the list rule did not allow the tool');
  const list = perCall(() => listGuard.visible(ctx, tool));
  const ok = await guard.admit(ctx, tool, args).then(
    () => true,
    () => false,
  );
  if (!ok || pending !== 0) throw new Error('the benchmark rule did not allow the call');
  row('policy', `TrustGuard.admit, ${RULES} rules, last matches (CEL allow), match cache warm — in process, per call`, { ...warm, rps: '', concurrency: 1 });
  row('policy', `TrustGuard.admit, ${RULES} rules, match cache cold (all ${RULES} globs scanned) — in process, per call`, { ...cold, rps: '', concurrency: 1 });
  row('policy', `TrustGuard.visible (list filter), ${RULES} rules, principal-only CEL, per tool — in process`, { ...list, rps: '', concurrency: 1 });
  check(`policy evaluation with ${RULES} rules ≤ 0.2 ms p50 per call (cold match cache)`, cold.p50 <= 0.2, `${cold.p50} ms p50 (warm ${warm.p50} ms)`);

  // 2. End to end (context).
  const fx = await startFixture('policy');
  const admin = (method, path, body) =>
    fetch(`${dev.url}/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    });
  const before = await admin('GET', '/config');
  try {
    await admin('PUT', '/config', {
      ...before,
      servers: { ...before.servers, pa: { uri: `${fx.url}/mcp`, prefix: 'pa' }, pb: { uri: `${fx.url}/mcp`, prefix: 'pb' } },
      policies: policies('pb'),
    });
    const mcp = `${dev.url}/mcp`;
    const count = Math.max(40, Math.round(400 * (quick ? 0.25 : 1)));
    const m = await interleave(
      [
        ['none', () => modern(mcp, 'tools/call', { name: 'pa_whoami', arguments: {} })],
        ['rules', () => modern(mcp, 'tools/call', { name: 'pb_whoami', arguments: {} })],
      ],
      { count, warmup: 30, rounds: 8 },
    );
    row('policy', 'forwarded tools/call, modern lane, no rule matches', m.none);
    row('policy', `forwarded tools/call, modern lane, ${RULES} rules (last matches)`, m.rules, { deltaP50: round(m.rules.p50 - m.none.p50) });
  } finally {
    await admin('PUT', '/config', before).catch(() => {});
    await fx.stop();
  }
}
