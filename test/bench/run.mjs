#!/usr/bin/env node
// `npm run bench`: edgehub against its references, side by side in one run on 127.0.0.1.
// References: a plain Worker route on the same `wrangler dev` (the platform floor) and each
// upstream called directly. Writes test/bench/results/latest.{json,md}. Bounded in count and time.
// Usage: npm run bench [-- --quick] [-- --only gateway|hops|profile|peers|connector|oauth|tools|policy|upstream-oauth|git|scale]
// (`scale` runs only when asked for: test/bench/scale.mjs, docs/capacity.md)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bareWorker, cpuMeter, descendants, interleave, measure, ROOT, round, startFixture, startProc, startWrangler, stopBareWorker } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';
import { profileMarkdown } from './profile.mjs';
import { scaleMarkdown } from './scale.mjs';
import { toolsMarkdown } from './tools.mjs';

const { values: opt } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const N = opt.quick ? 0.25 : 1;
const n = (x) => Math.max(20, Math.round(x * N));
const results = { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, rows: [], checks: [] };
const log = (...a) => console.error('[bench]', ...a);
const row = (group, name, m, extra = {}) => {
  results.rows.push({ group, name, ...m, ...extra });
  log(`${group} | ${name} | c=${m.concurrency} p50=${m.p50}ms p99=${m.p99}ms ${m.rps} rps`);
};
const check = (name, ok, detail) => results.checks.push({ name, ok, detail });

async function admin(base, method, path, body) {
  const r = await fetch(`${base}/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function gatewayBench(dev) {
  const mcp = `${dev.url}/mcp`;
  const workerd = () => descendants(dev.proc.pid);
  const fx = await startFixture('bench');
  try {
    await admin(dev.url, 'PUT', '/servers/fx', { uri: `${fx.url}/mcp`, prefix: 'fx' });
    const direct = `${fx.url}/mcp`;

    for (const c of [1, 16, 64]) {
      const count = n(c === 1 ? 300 : 10 * c);
      const dsids = await Promise.all(Array.from({ length: c }, () => openSession(direct)));
      const sids = await Promise.all(Array.from({ length: c }, () => openSession(mcp)));
      // Interleaved rounds (lib.mjs): the floor, each upstream direct and each lane side by side.
      const meter = cpuMeter(() => ({ workerd: workerd() }));
      const m = await interleave(
        [
          ['floor', () => fetch(`${dev.url}/health`).then((r) => r.text())],
          ['dir', (w) => legacy(direct, dsids[w], 'tools/call', { name: 'whoami', arguments: {} })],
          ['fwd', (w) => legacy(mcp, sids[w], 'tools/call', { name: 'fx_whoami', arguments: {} })],
          ['modDirect', () => modern(direct, 'tools/call', { name: 'whoami', arguments: {} })],
          ['mod', () => modern(mcp, 'tools/call', { name: 'fx_whoami', arguments: {} })],
        ],
        { concurrency: c, count, warmup: c === 1 ? 60 : c, hooks: meter },
      );
      const { floor, dir, fwd, modDirect, mod } = m;
      const cpu = (k) => meter.perOp(k).workerd;
      const [cpuFloor, cpuFwd, cpuMod] = [cpu('floor'), cpu('fwd'), cpu('mod')];
      row('floor', 'plain Worker route GET /health', floor, { cpuMsPerOp: cpuFloor });
      row('direct', 'fixture tools/call (2025 session)', dir);
      row('edgehub', 'forwarded tools/call, legacy lane (SessionDO)', fwd, { cpuMsPerOp: cpuFwd });
      row('direct', 'fixture tools/call (2026 stateless)', modDirect);
      row('edgehub', 'forwarded tools/call, modern lane (stateless)', mod, { cpuMsPerOp: cpuMod });

      const hubL = await measure((w) => legacy(mcp, sids[w], 'tools/call', { name: 'hub_status', arguments: {} }), { concurrency: c, count });
      row('edgehub', 'hub_status, legacy lane', hubL);
      const hubM = await measure(() => modern(mcp, 'tools/call', { name: 'hub_status', arguments: {} }), { concurrency: c, count });
      row('edgehub', 'hub_status, modern lane', hubM);

      for (const [lane, f, d] of [
        ['2025', fwd, dir],
        ['2026', mod, modDirect],
      ]) {
        const budget = round(floor.p50 + d.p50 + 1);
        check(`c=${c} ${lane} forwarded p50 ≤ floor + direct + 1 ms`, f.p50 <= budget, `${f.p50} ms vs budget ${budget} ms`);
        if (c === 64) check(`c=64 ${lane} throughput ≥ 80% of floor`, f.rps >= 0.8 * floor.rps, `${f.rps} rps vs floor ${floor.rps} rps`);
      }
      if (c === 1) {
        check('CPU per forwarded call (2025) ≤ 1.5× floor', cpuFwd <= 1.5 * cpuFloor, `${cpuFwd} ms vs floor ${cpuFloor} ms`);
        check('CPU per forwarded call (2026) ≤ 1.5× floor', cpuMod <= 1.5 * cpuFloor, `${cpuMod} ms vs floor ${cpuFloor} ms`);
      }
    }
  } finally {
    await admin(dev.url, 'DELETE', '/servers/fx').catch(() => {});
    await fx.stop();
  }
}

async function catalogBench(dev) {
  const mcp = `${dev.url}/mcp`;
  const ups = await Promise.all(
    Array.from({ length: 10 }, () =>
      startProc([join(ROOT, 'test/fixtures/fault-server.mjs'), '--port', '0', '--tools', '50'], { ready: async (o) => /LISTENING \d+/.test(o) }),
    ),
  );
  try {
    for (const [i, u] of ups.entries()) {
      const port = /LISTENING (\d+)/.exec(u.output())[1];
      await admin(dev.url, 'PUT', `/servers/cat${i}`, { uri: `http://127.0.0.1:${port}/mcp`, prefix: `cat${i}` });
    }
    const cold = await measure(
      async () => {
        const sid = await openSession(mcp);
        const r = await legacy(mcp, sid, 'tools/list');
        if (r.tools.length < 500) throw new Error(`only ${r.tools.length} tools`);
      },
      { count: n(30), warmup: 2 },
    );
    row('edgehub', 'cold tools/list, 10 upstreams × 50 tools (new session: initialize + connect 10 upstreams)', cold);
    const sid = await openSession(mcp);
    // Warm means the whole catalog is cached: a list that timed out under load leaves a partial
    // view (retried after 1 s), which would be measured as a smaller, cheaper reply. Wait for the
    // full first page (500 of the 10 × 50 + built-in tools) and check every measured reply.
    const full = (list) => async () => {
      const r = await list();
      if (r.tools.length < 500) throw new Error(`partial tools/list: ${r.tools.length} tools`);
    };
    const settle = async (op) => {
      for (let i = 0; ; i++) {
        const err = await op().then(
          () => null,
          (e) => e,
        );
        if (!err) return;
        if (i === 100) throw new Error(`tools/list never complete: ${err.message}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    const warmL = full(() => legacy(mcp, sid, 'tools/list'));
    const warmMod = full(() => modern(mcp, 'tools/list'));
    await settle(warmL);
    await settle(warmMod);
    // The floor's reply is 40 bytes; 500 tools are ~100 KiB that the client must also parse. The
    // bare Worker serves each lane's own reply bytes with none of edgehub's work: from the Worker
    // (the modern lane's hops) and from a Durable Object over RPC (the legacy lane's hops).
    const rawList = (headers, body) =>
      fetch(mcp, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body }).then(
        (r) => r.text(),
      );
    const replyM = await rawList(
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    );
    const replyL = await rawList(
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    );
    const bare = await bareWorker();
    const sameReply = (path) => async () => {
      const r = await fetch(`${bare.url}${path}`, { method: 'POST', headers: { 'mcp-session-id': 'catalog' }, body: '{}' }).then((x) => x.json());
      if (r.result.tools.length < 500) throw new Error('bare reply is not the full list');
    };
    for (const [path, text] of [
      ['/body', replyM],
      ['/do-body', replyL],
    ])
      await fetch(`${bare.url}${path}`, { method: 'PUT', headers: { 'mcp-session-id': 'catalog' }, body: text }).then((r) => r.text());
    const lists = await interleave(
      [
        ['floor', () => fetch(`${dev.url}/health`).then((r) => r.text())],
        ['warmL', warmL],
        ['bareL', sameReply('/do-body')],
        ['warmM', warmMod],
        ['bareM', sameReply('/body')],
      ],
      { count: n(240) },
    );
    const { floor, warmL: warm, warmM, bareL, bareM } = lists;
    row('edgehub', 'warm tools/list, 10 × 50 tools, legacy lane', warm);
    row('bare', `Worker → DO (RPC) replying the legacy lane's tools/list bytes (${Math.round(replyL.length / 1024)} KiB), no work`, bareL);
    row('edgehub', 'warm tools/list, 10 × 50 tools, modern lane', warmM);
    row('bare', `Worker replying the modern lane's tools/list bytes (${Math.round(replyM.length / 1024)} KiB), no work`, bareM);
    check('warm aggregated tools/list ≤ floor + 2 ms (2025)', warm.p50 <= floor.p50 + 2, `${warm.p50} ms vs floor ${floor.p50} ms`);
    check('warm aggregated tools/list ≤ floor + 2 ms (2026)', warmM.p50 <= floor.p50 + 2, `${warmM.p50} ms vs floor ${floor.p50} ms`);
    for (const [lane, m, ref, hops] of [
      ['2025', warm, bareL, 'Worker → DO'],
      ['2026', warmM, bareM, 'Worker'],
    ])
      check(
        `warm aggregated tools/list ≤ bare ${hops} replying the same bytes + 2 ms (${lane})`,
        m.p50 <= ref.p50 + 2,
        `${m.p50} ms vs bare ${ref.p50} ms (+${round(m.p50 - ref.p50)} ms)`,
      );
  } finally {
    for (let i = 0; i < 10; i++) await admin(dev.url, 'DELETE', `/servers/cat${i}`).catch(() => {});
    await Promise.all(ups.map((u) => u.stop()));
  }
}

async function notifyBench(dev) {
  const mcp = `${dev.url}/mcp`;
  const SESSIONS = opt.quick ? 25 : 100;
  const sids = [];
  for (let i = 0; i < SESSIONS; i += 10) sids.push(...(await Promise.all(Array.from({ length: Math.min(10, SESSIONS - i) }, () => openSession(mcp)))));
  const ac = new AbortController();
  const arrived = [];
  const streams = sids.map(async (sid) => {
    try {
      const r = await fetch(mcp, { signal: ac.signal, headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
      // A plain reader (no pipeThrough: its internal pipe would reject unobserved when aborted).
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        if (buf.includes('tools/list_changed')) return arrived.push(performance.now());
      }
    } catch {
      /* aborted at the end, or the stream closed */
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  await admin(dev.url, 'PUT', '/servers/notify-probe', { uri: 'https://notify.example/mcp', enabled: false });
  const deadline = Date.now() + 15_000;
  while (arrived.length < SESSIONS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await Promise.allSettled(streams);
  await admin(dev.url, 'DELETE', '/servers/notify-probe').catch(() => {});
  const ms = arrived.length ? round(Math.max(...arrived) - t0) : null;
  results.rows.push({ group: 'edgehub', name: `config change → ${SESSIONS} live sessions notified`, sessions: SESSIONS, notified: arrived.length, msAll: ms });
  log(`config change → ${arrived.length}/${SESSIONS} sessions notified in ${ms} ms`);
  check(`config change reaches ${SESSIONS} sessions ≤ 1 s`, arrived.length === SESSIONS && ms <= 1000, `${arrived.length}/${SESSIONS} in ${ms} ms`);
}

/** Healthy-upstream p50 with and without a faulty neighbour (issue: faults stay isolated). */
async function neighbourBench(dev) {
  const mcp = `${dev.url}/mcp`;
  const fx = await startFixture('calm');
  const fault = await startProc([join(ROOT, 'test/fixtures/fault-server.mjs'), '--port', '0'], { ready: async (o) => /LISTENING \d+/.test(o) });
  const faultUrl = `http://127.0.0.1:${/LISTENING (\d+)/.exec(fault.output())[1]}`;
  try {
    await admin(dev.url, 'PUT', '/servers/calm', { uri: `${fx.url}/mcp`, prefix: 'calm' });
    await admin(dev.url, 'PUT', '/servers/noisy', { uri: `${faultUrl}/mcp`, prefix: 'noisy', transport: { call_timeout_ms: 500 } });
    const sids = await Promise.all(Array.from({ length: 8 }, () => openSession(mcp)));
    const calm = (w) => legacy(mcp, sids[w], 'tools/call', { name: 'calm_whoami', arguments: {} });
    const alone = await measure(calm, { concurrency: 4, count: n(200) });
    row('isolation', 'healthy upstream, neighbour healthy', alone);
    await fetch(`${faultUrl}/control`, { method: 'POST', body: JSON.stringify({ mode: 'hang' }) });
    const noisy = Promise.all(
      [4, 5, 6, 7].map(async (w) => {
        for (let i = 0; i < n(20); i++) await legacy(mcp, sids[w], 'tools/call', { name: 'noisy_ping', arguments: {} }).catch(() => {});
      }),
    );
    const withFault = await measure(calm, { concurrency: 4, count: n(200) });
    row('isolation', 'healthy upstream, neighbour hanging (500 ms timeouts, breaker)', withFault);
    await noisy;
    check('healthy p50 with a faulty neighbour within 1.5× of alone', withFault.p50 <= 1.5 * alone.p50 + 1, `${withFault.p50} ms vs ${alone.p50} ms`);
  } finally {
    for (const s of ['calm', 'noisy']) await admin(dev.url, 'DELETE', `/servers/${s}`).catch(() => {});
    await fx.stop();
    await fault.stop();
  }
}

function markdown() {
  const lines = [`# edgehub benchmark — ${results.date}`, '', `Machine: ${results.machine}. All processes on 127.0.0.1, started by this script.`, ''];
  lines.push('| group | measurement | conc. | p50 ms | p99 ms | req/s | CPU ms/op |', '|---|---|---:|---:|---:|---:|---:|');
  for (const r of results.rows) {
    if (r.p50 === undefined) lines.push(`| ${r.group} | ${r.name} | ${r.sessions} | ${r.msAll} ms (all) | | | |`);
    else lines.push(`| ${r.group} | ${r.name} | ${r.concurrency} | ${r.p50} | ${r.p99} | ${r.rps} | ${r.cpuMsPerOp ?? ''} |`);
  }
  lines.push('', '## Targets', '', '| target | met | measured |', '|---|---|---|');
  for (const c of results.checks) lines.push(`| ${c.name} | ${c.ok ? 'yes' : 'NO'} | ${c.detail} |`);
  lines.push(...profileMarkdown(results.profile));
  lines.push(...toolsMarkdown(results.tools));
  lines.push(...scaleMarkdown(results.scale));
  return `${lines.join('\n')}\n`;
}

const dev = await startWrangler();
try {
  if (!opt.only || opt.only === 'gateway') {
    await gatewayBench(dev);
    await catalogBench(dev);
    await notifyBench(dev);
    await neighbourBench(dev);
  }
  if (!opt.only || opt.only === 'hops') await (await import('./hops.mjs')).run({ dev, row, check, quick: opt.quick, results });
  if (!opt.only || opt.only === 'profile') await (await import('./profile.mjs')).run({ dev, row, check, quick: opt.quick, results });
  if (!opt.only || opt.only === 'peers') await (await import('./peers.mjs')).run({ dev, row, check, quick: opt.quick });
  if (!opt.only || opt.only === 'connector') await (await import('./connector.mjs')).run({ dev, row, check, quick: opt.quick });
  if (!opt.only || opt.only === 'oauth') await (await import('./oauth.mjs')).run({ dev, row, check, quick: opt.quick });
  if (!opt.only || opt.only === 'tools') await (await import('./tools.mjs')).run({ dev, row, check, quick: opt.quick, results });
  if (!opt.only || opt.only === 'policy') await (await import('./policy.mjs')).run({ dev, row, check, quick: opt.quick });
  if (!opt.only || opt.only === 'upstream-oauth') await (await import('./upstream-oauth.mjs')).run({ row, check, quick: opt.quick });
  if (!opt.only || opt.only === 'git') {
    try {
      const git = await import('./git.mjs');
      await git.run({ dev, results, row, check, quick: opt.quick });
    } catch (e) {
      if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    }
  }
  // Only on request: minutes long at full size (1,000 sessions, a 200 MB repository).
  if (opt.only === 'scale') await (await import('./scale.mjs')).run({ dev, row, check, quick: opt.quick, results });
} finally {
  await stopBareWorker();
  await dev.stop();
}
// A full run writes latest.*; a partial one (--only X) writes latest-X.* and leaves the full results alone.
const dir = join(ROOT, 'test', 'bench', 'results');
const stem = opt.only ? `latest-${opt.only}` : 'latest';
writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, `${stem}.md`), markdown());
console.log(markdown());
