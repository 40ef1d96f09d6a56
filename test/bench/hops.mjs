// What the platform costs per hop, and what edgehub adds on top: edgehub's two lanes side by side
// with a bare Worker (test/bench/bare-worker: no framework, no MCP logic) that makes the same hops
// to the same upstream — inbound request, Worker → Durable Object RPC (legacy lane), outbound fetch.
// CPU is read per process of each `wrangler dev` tree from /proc: the dev proxy workerd (the
// `entry` socket; every request crosses it), the runtime workerd (the Worker and its DOs), and
// wrangler's own node process. Called by run.mjs as `run({ dev, row, check, quick, results })`.
import { readFileSync } from 'node:fs';
import { bareWorker, cpuMeter, descendants, interleave, round, startFixture } from './lib.mjs';
import { legacy, modern, openSession } from './mcp.mjs';

const log = (...a) => console.error('[bench:hops]', ...a);

/** The processes of a wrangler dev tree by role. */
export function roles(dev) {
  const out = { proxy: [], runtime: [], wrangler: [dev.proc.pid] };
  for (const pid of descendants(dev.proc.pid)) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('workerd')) (cmd.includes(`entry=127.0.0.1:${new URL(dev.url).port}`) ? out.proxy : out.runtime).push(pid);
    else out.wrangler.push(pid);
  }
  return out;
}

export async function run({ dev, row, check, quick, results }) {
  const count = quick ? 100 : 400;
  const bare = await bareWorker();
  const fx = await startFixture('hops');
  try {
    const up = `${fx.url}/mcp`;
    await fetch(`${dev.url}/admin/api/servers/hx`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: up, prefix: 'hx' }),
    });
    const ours = roles(dev);
    const theirs = roles(bare);
    const mcp = `${dev.url}/mcp`;
    const via = (path) => `${bare.url}${path}?u=${encodeURIComponent(up)}`;
    const upSid = await openSession(up);
    const sid = await openSession(mcp);
    const call = { name: 'whoami', arguments: {} };
    const cases = [
      ['bare', 'GET /health (floor: inbound request only)', () => fetch(`${bare.url}/health`).then((r) => r.text()), theirs],
      ['edgehub', 'GET /health', () => fetch(`${dev.url}/health`).then((r) => r.text()), ours],
      ['bare', "Worker → upstream passthrough, 2026 tools/call (the modern lane's hops)", () => modern(via('/fetch'), 'tools/call', call), theirs],
      ['edgehub', 'forwarded tools/call, modern lane', () => modern(mcp, 'tools/call', { ...call, name: 'hx_whoami' }), ours],
      ['bare', 'Worker → DO (RPC) echo, no upstream (the DO hop alone)', () => legacy(`${bare.url}/do-echo`, upSid, 'ping'), theirs],
      ['edgehub', 'ping, legacy lane (Worker + session DO, no upstream)', () => legacy(mcp, sid, 'ping'), ours],
      [
        'bare',
        "Worker → DO (RPC) → upstream passthrough, 2025 tools/call (the legacy lane's hops)",
        () => legacy(via('/do'), upSid, 'tools/call', call),
        theirs,
      ],
      ['edgehub', 'forwarded tools/call, legacy lane', () => legacy(mcp, sid, 'tools/call', { ...call, name: 'hx_whoami' }), ours],
    ];
    // Interleaved rounds (lib.mjs): each bare case runs next to its edgehub twin, so drift on the
    // shared machine falls on both alike.
    const trees = Object.fromEntries(cases.map(([who, name, , tree]) => [`${who}:${name}`, tree]));
    const meter = cpuMeter((key) => ({ ...trees[key], upstream: [fx.proc.pid] }));
    const got = await interleave(
      cases.map(([who, name, op]) => [`${who}:${name}`, op]),
      { count, rounds: 4, hooks: meter },
    );
    for (const [who, name] of cases) {
      const key = `${who}:${name}`;
      const c = meter.perOp(key);
      c.total = round(c.proxy + c.runtime + c.wrangler);
      got[key].cpu = c;
      row('hops', `${who}: ${name} — CPU ms/op: dev proxy ${c.proxy}, runtime ${c.runtime}, wrangler ${c.wrangler}, upstream ${c.upstream}`, got[key], {
        cpuMsPerOp: c.total,
      });
    }
    // Throughput at 64 concurrent sessions: each needs the CPU measured above, and the machine's
    // cores are shared by both wrangler trees and the upstream, so the bare Worker with the same
    // hops is the ceiling edgehub is judged against here.
    const C = 64;
    const upSids = await Promise.all(Array.from({ length: C }, () => openSession(up)));
    const sids = await Promise.all(Array.from({ length: C }, () => openSession(mcp)));
    const wide = [
      ['bare', '2026 hops', () => modern(via('/fetch'), 'tools/call', call)],
      ['edgehub', 'modern lane', () => modern(mcp, 'tools/call', { ...call, name: 'hx_whoami' })],
      ['bare', '2025 hops', (w) => legacy(via('/do'), upSids[w], 'tools/call', call)],
      ['edgehub', 'legacy lane', (w) => legacy(mcp, sids[w], 'tools/call', { ...call, name: 'hx_whoami' })],
    ];
    const many = await interleave(
      wide.map(([who, name, op]) => [`${who}:c64 ${name}`, op]),
      { concurrency: C, count: quick ? 8 * C : 24 * C, warmup: C, rounds: 4 },
    );
    for (const [who, name] of wide) {
      got[`${who}:c64 ${name}`] = many[`${who}:c64 ${name}`];
      row('hops', `${who}: ${name}, ${C} sessions`, many[`${who}:c64 ${name}`]);
    }
    for (const [lane, era] of [
      ['modern', '2026'],
      ['legacy', '2025'],
    ]) {
      const e = got[`edgehub:c64 ${lane} lane`];
      const b = got[`bare:c64 ${era} hops`];
      check(
        `${lane} lane throughput at ${C} sessions ≥ 80% of the bare Worker with the same hops`,
        e.rps >= 0.8 * b.rps,
        `${e.rps} vs ${b.rps} req/s (${round((100 * e.rps) / b.rps)} %)`,
      );
    }
    results.hops = got;
    const pair = (lane, bareName) => {
      const e = got[`edgehub:forwarded tools/call, ${lane} lane`];
      const b = got[`bare:${bareName}`];
      check(`${lane} lane p50 ≤ bare Worker with the same hops + 1 ms`, e.p50 <= b.p50 + 1, `${e.p50} ms vs bare ${b.p50} ms (+${round(e.p50 - b.p50)} ms)`);
      check(
        `${lane} lane runtime CPU ≤ 1.5× bare Worker with the same hops`,
        e.cpu.runtime <= 1.5 * b.cpu.runtime,
        `runtime workerd ${e.cpu.runtime} ms vs bare ${b.cpu.runtime} ms per call (${round(e.cpu.runtime / b.cpu.runtime)}×); whole tree ${e.cpu.total} vs ${b.cpu.total} ms`,
      );
    };
    pair('modern', "Worker → upstream passthrough, 2026 tools/call (the modern lane's hops)");
    pair('legacy', "Worker → DO (RPC) → upstream passthrough, 2025 tools/call (the legacy lane's hops)");
    log('done');
  } finally {
    await fetch(`${dev.url}/admin/api/servers/hx`, { method: 'DELETE' }).catch(() => {});
    await fx.stop();
  }
}
