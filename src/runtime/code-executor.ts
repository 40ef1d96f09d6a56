/**
 * Code mode's sandbox: runs model-written JavaScript in a Dynamic Worker (the `LOADER` Worker
 * Loader binding), a fresh isolate per `hub_code_execute` with no network (`globalOutbound: null`)
 * and no bindings. Its only capability is a ToolDispatcher (an RpcTarget passed as an RPC argument;
 * a loaded Worker's `env` cannot carry one) whose every call goes back through edgehub's normal
 * call path (gateway/tool-view.ts hands it the inner view's `callTool`).
 *
 * Limits (README "Code mode"): CODE_MODE_TIMEOUT_MS wall time (default 30 s), 100 tool calls,
 * a 1 MiB JSON result, 200 log lines / 64 KiB of console output; exceeding one is an error result
 * that names it. We wrote this small executor instead of `@cloudflare/codemode`, whose peer
 * dependencies pull in an AI SDK edgehub does not need.
 */
import { RpcTarget } from 'cloudflare:workers';
import type { Json } from '../gateway/provider';
import type { CodeExecutor, CodeOutcome, ToolCaller } from '../gateway/tool-view';
import { isRpcError } from '../mcp/errors';

export const CODE_LIMITS = { timeoutMs: 30_000, maxCalls: 100, maxResultBytes: 1024 * 1024, maxLogLines: 200, maxLogChars: 64 * 1024 };
const COMPATIBILITY_DATE = '2026-11-01';

/** The loaded Worker: `run(dispatcher, limits)` calls the user's function and returns its JSON. */
const RUNNER = `import { WorkerEntrypoint } from 'cloudflare:workers';
import user from './user.js';
const text = (v) => { if (typeof v === 'string') return v; try { return JSON.stringify(v) ?? String(v); } catch { return String(v); } };
export default class extends WorkerEntrypoint {
  async run(dispatcher, limits) {
    const logs = []; let chars = 0; let dropped = 0;
    const push = (level, args) => {
      const line = (level === 'log' ? '' : '[' + level + '] ') + args.map(text).join(' ');
      if (logs.length >= limits.maxLogLines || chars + line.length > limits.maxLogChars) { dropped++; return; }
      chars += line.length; logs.push(line);
    };
    const con = { log: (...a) => push('log', a), info: (...a) => push('info', a), warn: (...a) => push('warn', a), error: (...a) => push('error', a), debug: (...a) => push('debug', a) };
    const call = async (name, args) => {
      const r = await dispatcher.call(String(name), args ?? {});
      if (r.error !== undefined) throw new Error(r.error);
      return r.result;
    };
    const tools = new Proxy({}, { get: (_, k) => (k === 'call' ? call : typeof k === 'string' && k !== 'then' ? (args) => call(k, args) : undefined) });
    const done = (o) => { if (dropped) logs.push('[edgehub] ' + dropped + ' more log lines dropped (limit ' + limits.maxLogLines + ' lines / ' + limits.maxLogChars + ' chars)'); return { ...o, logs }; };
    try {
      const value = await user(tools, con);
      const json = value === undefined ? 'null' : JSON.stringify(value);
      if (json === undefined) return done({ error: 'the code returned a value that is not JSON (a function or symbol)' });
      if (json.length > limits.maxResultBytes) return done({ error: 'result too large: ' + json.length + ' bytes of JSON, the limit is ' + limits.maxResultBytes + ' (1 MiB); return less' });
      return done({ json });
    } catch (e) {
      return done({ error: e instanceof Error ? e.name + ': ' + e.message : 'thrown: ' + text(e) });
    }
  }
}
`;

/** The sandbox's one capability: tool calls through edgehub, counted and bounded in time. */
class ToolDispatcher extends RpcTarget {
  calls = 0;
  #closed: string | null = null;

  constructor(
    private readonly caller: ToolCaller,
    private readonly maxCalls: number,
  ) {
    super();
  }

  close(reason: string): void {
    this.#closed = reason;
  }

  async call(name: string, args: unknown): Promise<{ result?: Json; error?: string }> {
    if (this.#closed) return { error: this.#closed };
    if (++this.calls > this.maxCalls) return { error: `tool call limit reached: at most ${this.maxCalls} tool calls per code execution` };
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return { error: `${name}: arguments must be an object` };
    try {
      return { result: await this.caller(name, args as Record<string, unknown>) };
    } catch (e) {
      // Protocol errors (unknown tool, missing scope) carry the message a direct call would get.
      return { error: isRpcError(e) ? e.message : e instanceof Error ? e.message : String(e) };
    }
  }
}

function boundedLogs(logs: unknown): string[] {
  if (!Array.isArray(logs)) return [];
  const out: string[] = [];
  let chars = 0;
  for (const l of logs.slice(0, CODE_LIMITS.maxLogLines + 1)) {
    const line = typeof l === 'string' ? l : String(l);
    if (chars + line.length > CODE_LIMITS.maxLogChars + 200) break;
    chars += line.length;
    out.push(line);
  }
  return out;
}

function timeoutOf(env: Env): number {
  const v = Number((env as Env & { CODE_MODE_TIMEOUT_MS?: string }).CODE_MODE_TIMEOUT_MS);
  return Number.isInteger(v) && v > 0 && v <= CODE_LIMITS.timeoutMs ? v : CODE_LIMITS.timeoutMs;
}

interface RunnerEntrypoint {
  run(dispatcher: ToolDispatcher, limits: typeof CODE_LIMITS): Promise<{ json?: string; error?: string; logs: string[] }>;
}

/** The executor of this deployment, or undefined without a Worker Loader binding. */
export function codeExecutor(env: Env): CodeExecutor | undefined {
  const loader = (env as Partial<Env>).LOADER;
  if (!loader) return undefined;
  const timeoutMs = timeoutOf(env);
  return async (code, caller, signal): Promise<CodeOutcome> => {
    const dispatcher = new ToolDispatcher(caller, CODE_LIMITS.maxCalls);
    const worker = loader.load({
      compatibilityDate: COMPATIBILITY_DATE,
      mainModule: 'runner.js',
      modules: { 'runner.js': RUNNER, 'user.js': `export default async function (tools, console) {\n${code}\n}\n` },
      globalOutbound: null,
      env: {},
      limits: { cpuMs: timeoutMs },
    });
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = new Promise<{ error: string; logs: string[] }>((resolve) => {
      const end = (error: string) => {
        dispatcher.close(error);
        resolve({ error, logs: [] });
      };
      timer = setTimeout(() => end(`time limit reached: the code ran longer than ${timeoutMs} ms`), timeoutMs);
      signal.addEventListener('abort', () => end('cancelled by the client'), { once: true });
    });
    try {
      const entry = worker.getEntrypoint() as unknown as RunnerEntrypoint;
      const out = await Promise.race([entry.run(dispatcher, { ...CODE_LIMITS, timeoutMs }), stop]);
      const calls = Math.min(dispatcher.calls, CODE_LIMITS.maxCalls);
      // The runner shares its isolate with the code, which may have patched JSON or Array: its
      // limits are re-checked here, on values this side can trust.
      const logs = boundedLogs(out.logs);
      if ('json' in out && typeof out.json === 'string') {
        if (out.json.length > CODE_LIMITS.maxResultBytes)
          return { ok: false, error: `result too large: over ${CODE_LIMITS.maxResultBytes} bytes of JSON (1 MiB); return less`, logs, calls };
        return { ok: true, result: JSON.parse(out.json), logs, calls };
      }
      return { ok: false, error: typeof out.error === 'string' ? out.error.slice(0, 4096) : 'the code failed', logs, calls };
    } catch (e) {
      // Loading failed (a syntax error in the code) or the sandbox died.
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, error: `the code could not run: ${message}`, logs: [], calls: dispatcher.calls };
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}
