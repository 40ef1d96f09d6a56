/**
 * Starts and stops `wrangler dev` for end-to-end tests and benchmarks: free loopback port, its own
 * persistence directory, bounded start-up wait. Only the process started here is ever killed (by PID).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface DevServer {
  url: string;
  port: number;
  persistDir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

export interface DevOptions {
  port?: number;
  persistDir?: string;
  vars?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Ports are picked free and then bound by wrangler a moment later, so another process on the
 * machine can take one in between (workerd then exits with "Address already in use"): such a
 * start is retried, a few times, before it counts as a failure.
 */
export async function startDev(opts: DevOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(e))) throw e;
    }
  }
}

async function startDevOnce(opts: DevOptions): Promise<DevServer> {
  const port = opts.port ?? (await freePort());
  const persistDir = opts.persistDir ?? mkdtempSync(join(tmpdir(), 'edgehub-e2e-'));
  const vars = { AUTH_MODE: 'dev-open', ALLOW_PRIVATE_UPSTREAMS: 'true', ...opts.vars };
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistDir, '--show-interactive-dev-session=false'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const bin = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const proc = spawn(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited early (${proc.exitCode}):\n${out.slice(-3000)}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`wrangler dev did not start within the deadline:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    port,
    persistDir,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null) return res();
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(t);
          res();
        });
        proc.kill('SIGTERM');
      }),
  };
}
