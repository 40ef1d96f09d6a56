/**
 * Child processes for e2e tests and benchmarks (fixture upstreams, server-everything): started on
 * free loopback ports, awaited until they answer, and stopped by their own PID only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, ROOT } from './wrangler';

export interface Proc {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

async function waitFor(proc: ChildProcess, ready: () => Promise<boolean>, out: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`process exited early (${proc.exitCode}):\n${out().slice(-2000)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`process not ready in ${timeoutMs} ms:\n${out().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(proc: ChildProcess) {
  return () =>
    new Promise<void>((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return res();
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(t);
        res();
      });
      proc.kill('SIGTERM');
    });
}

export async function startNode(
  script: string,
  args: string[],
  opts: { env?: Record<string, string>; ready: (port: number, out: string) => Promise<boolean> | boolean; port?: number },
): Promise<Proc> {
  const port = opts.port ?? (await freePort());
  const proc = spawn(process.execPath, [script, ...args.map((a) => a.replace('{port}', String(port)))], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  await waitFor(
    proc,
    async () => opts.ready(port, out),
    () => out,
    30_000,
  );
  return { url: `http://127.0.0.1:${port}`, port, proc, stop: stopper(proc), output: () => out };
}

/** `@modelcontextprotocol/server-everything` over Streamable HTTP (`/mcp`) or legacy SSE (`/sse`). */
export function startEverything(transport: 'streamableHttp' | 'sse' = 'streamableHttp'): Promise<Proc> {
  const script = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
  return startNode(script, [transport], { ready: (_p, out) => /running on port|listening/i.test(out) });
}

/** Our conformance fixture upstream (test/fixtures/conformance-server.mjs). */
export function startFixture(name = 'fixture', extraArgs: string[] = []): Promise<Proc> {
  return startNode(join(ROOT, 'test', 'fixtures', 'conformance-server.mjs'), ['--port', '{port}', '--name', name, ...extraArgs], {
    ready: (_p, out) => /LISTENING \d+/.test(out),
  });
}

/** The controllable faulty upstream (test/fixtures/fault-server.mjs). */
export async function startFault(): Promise<Proc & { mode(mode: string, delayMs?: number): Promise<void> }> {
  const p = await startNode(join(ROOT, 'test', 'fixtures', 'fault-server.mjs'), ['--port', '{port}'], { ready: (_p, out) => /LISTENING \d+/.test(out) });
  return {
    ...p,
    mode: async (mode: string, delayMs?: number) => {
      await fetch(`${p.url}/control`, { method: 'POST', body: JSON.stringify({ mode, delayMs }) });
    },
  };
}
