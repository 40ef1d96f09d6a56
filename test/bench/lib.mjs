// Bench helpers: processes on loopback (started and stopped by PID), latency sampling, CPU of a pid.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// Every process started here, so an interrupted bench (Ctrl-C, SIGTERM) stops them by PID too.
const live = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const p of live) if (p.exitCode === null) p.kill('SIGTERM');
    process.exit(130);
  });
}

export async function startProc(args, { ready, env = {}, timeoutMs = 90_000 }) {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + timeoutMs;
  while (!(await ready(out).catch(() => false))) {
    if (proc.exitCode !== null) throw new Error(`exited early:\n${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`not ready:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () =>
    new Promise((r) => {
      if (proc.exitCode !== null) return r();
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(t);
        r();
      });
      proc.kill('SIGTERM');
    });
  return { proc, stop, output: () => out };
}

/** `wrangler dev` of edgehub (or, with `config`, of another Worker such as the bare reference). */
export async function startWrangler(vars = {}, { config, port: fixedPort } = {}) {
  const port = fixedPort ?? (await freePort());
  const inspector = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edgehub-bench-'));
  // wrangler dev logs every request at info level, which costs ~6 ms per request here: the bench
  // measures the runtime, not the dev server's console, so it runs at warn (floor and edgehub alike).
  const args = [
    join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    dir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
    '--inspector-port',
    String(inspector),
  ];
  if (config) args.push('--config', config);
  else
    for (const [k, v] of Object.entries({ AUTH_MODE: 'dev-open', ALLOW_PRIVATE_UPSTREAMS: 'true', RATE_LIMIT_PER_MINUTE: '0', ...vars }))
      args.push('--var', `${k}:${v}`);
  const url = `http://127.0.0.1:${port}`;
  const p = await startProc(args, { env: { WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' }, ready: async () => (await fetch(`${url}/health`)).ok });
  return { ...p, url, inspectorUrl: `http://127.0.0.1:${inspector}` };
}

let bare = null;
/** The bare reference Worker (test/bench/bare-worker) on its own `wrangler dev`, started once. */
export function bareWorker() {
  bare ??= startWrangler({}, { config: join(ROOT, 'test/bench/bare-worker/wrangler.toml') });
  return bare;
}
export async function stopBareWorker() {
  const b = await bare?.catch(() => null); // a failed start has nothing to stop
  bare = null;
  await b?.stop();
}

export async function startFixture(name) {
  const p = await startProc([join(ROOT, 'test/fixtures/conformance-server.mjs'), '--port', '0', '--name', name, '--no-resumability'], {
    ready: async (out) => /LISTENING \d+/.test(out),
  });
  const port = Number(/LISTENING (\d+)/.exec(p.output())[1]);
  return { ...p, url: `http://127.0.0.1:${port}` };
}

/** `count` operations by `concurrency` workers: every latency, and the wall time they took. */
async function sample(op, concurrency, count) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < count) {
        next++;
        const s = performance.now();
        await op(w);
        lat.push(performance.now() - s);
      }
    }),
  );
  return { lat, ms: performance.now() - t0 };
}

function stats(lat, ms, concurrency) {
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { p50: round(q(0.5)), p99: round(q(0.99)), rps: round((lat.length / ms) * 1000), n: lat.length, concurrency };
}

/** Runs `op` with `concurrency` workers for `count` total operations; returns latency stats and throughput. */
export async function measure(op, { concurrency = 1, count = 200, warmup = 20 } = {}) {
  for (let i = 0; i < Math.min(warmup, count); i++) await op(i % concurrency);
  const { lat, ms } = await sample(op, concurrency, count);
  return stats(lat, ms, concurrency);
}

/**
 * Measures cases side by side: `rounds` rounds, each case once per round, the order reversed
 * every other round, so that drift on a shared machine (another tenant's load, a GC, thermal)
 * falls on every case alike. Latencies are pooled over the rounds; throughput is all operations
 * over all the time spent on that case. `hooks.before/after(key)` wrap each measured slice (CPU
 * snapshots). Returns { [key]: stats }.
 */
export async function interleave(cases, { rounds = 4, concurrency = 1, count = 200, warmup = 20, hooks = {} } = {}) {
  const pooled = Object.fromEntries(cases.map(([k]) => [k, { lat: [], ms: 0 }]));
  for (const [, op] of cases) for (let i = 0; i < warmup; i++) await op(i % concurrency);
  const per = Math.max(concurrency, Math.ceil(count / rounds));
  for (let r = 0; r < rounds; r++) {
    for (const [k, op] of r % 2 ? [...cases].reverse() : cases) {
      hooks.before?.(k);
      const { lat, ms } = await sample(op, concurrency, per);
      hooks.after?.(k, lat.length);
      pooled[k].lat.push(...lat);
      pooled[k].ms += ms;
    }
  }
  return Object.fromEntries(Object.entries(pooled).map(([k, p]) => [k, stats(p.lat, p.ms, concurrency)]));
}

/** CPU ms per operation of named pid groups, accumulated over interleaved slices (hooks for interleave). */
export function cpuMeter(groups) {
  const acc = {};
  let at = null;
  const snap = (g) => Object.fromEntries(Object.entries(g()).map(([k, pids]) => [k, cpuSeconds(pids)]));
  return {
    before: (key) => (at = snap(() => groups(key))),
    after: (key, n) => {
      const now = snap(() => groups(key));
      const a = (acc[key] ??= { n: 0, s: {} });
      a.n += n;
      for (const k of Object.keys(now)) a.s[k] = (a.s[k] ?? 0) + now[k] - at[k];
    },
    /** { role: ms per op } for `key`. */
    perOp: (key) => Object.fromEntries(Object.entries(acc[key]?.s ?? {}).map(([k, sec]) => [k, round((sec * 1000) / acc[key].n)])),
  };
}

export const round = (x) => Math.round(x * 100) / 100;

/** Descendant pids of `pid` (Linux /proc). */
export function descendants(pid) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of kids.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** CPU seconds (user+system) used so far by `pids`. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

/** `n` SDK 1.x clients, each connected over its own transport from `make()`. */
export async function clients(n, make) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new Client({ name: 'bench', version: '1' });
      await c.connect(make());
      return c;
    }),
  );
}
