/**
 * The connector's process supervisor: for every server assigned to it, one **standby** child kept
 * running (so a crash loop shows without any client, and a new session starts without waiting for
 * the process), handed to the next edge session that opens; then a new standby is started. Each
 * edge session owns its child (stdio semantics: one client per process, no id remapping). A child that
 * exits on its own restarts after exponential backoff (0.5 s doubling to 30 s); CRASH_LIMIT exits
 * within CRASH_WINDOW_MS make the server `crash-looping` with the last stderr.
 * Children get a minimal environment (as the MCP SDK's stdio client does) plus the entry's `env`,
 * whose `${NAME}` references resolve from this machine's environment: never this process's token.
 * An http(s) entry (`uri`) gets the slot `httpSlot` makes (http-relay.mjs): a connection per session.
 */
import { spawn } from 'node:child_process';
import { MAX_FRAME_BYTES } from '../../mcp/connector-frames.mjs';
import { SlotState } from './slot-state.mjs';

export const CRASH_WINDOW_MS = 60_000;
export const CRASH_LIMIT = 5;
export const MAX_SESSIONS_PER_SERVER = 32;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Alive this long = started fine (`ready`); alive 10 s = the backoff resets. */
const READY_AFTER_MS = 1_000;
const HEALTHY_AFTER_MS = 10_000;
const STDERR_TAIL = 1_000;
const INHERITED = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'TMPDIR', 'LANG'];
/**
 * @typedef {{ command: string, args: string[], env: Record<string, string>, cwd?: string }} Entry
 * @typedef {{ state: string, detail?: string, since: number, sessions: number }} Report
 * @typedef {{
 *   message(server: string, session: string, line: string, msg?: unknown): void,
 *   closed(server: string, session: string, reason: string): void,
 *   status(reports: Record<string, Report>): void,
 *   log(line: string): void,
 * }} Sink
 * @typedef {{ key: string, start(): void, open(s: string): void, write(s: string, l: string): boolean, close(s: string): void, dropSessions(): void, stop(): void, reportRow(): Report }} Slot
 * @typedef {{ proc: import('node:child_process').ChildProcessWithoutNullStreams, session: string | null, killed: boolean, lines: string[], stderr: string, startedAt: number }} Child
 */

/** `${NAME}` references in `env` values (or headers: `what`), resolved from `source`; throws naming what is missing. @param {Record<string, string>} env @param {NodeJS.ProcessEnv} source @param {string} [what] */
export function resolveEnv(env, source, what = 'env') {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(env))
    out[k] = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n) => {
      const val = source[n];
      if (val === undefined) throw new Error(`${what} ${k} references \${${n}}, which is not set on this machine`);
      return val;
    });
  return out;
}

export class Supervisor {
  /** @type {Map<string, Slot>} */
  #slots = new Map();
  /** @param {Sink} sink @param {NodeJS.ProcessEnv} env @param {(name: string, entry: { uri: string, headers: Record<string, string> }, sup: Supervisor) => Slot} httpSlot (injected: http-relay.mjs imports this module) */
  constructor(sink, env, httpSlot) {
    this.sink = sink;
    this.env = env;
    this.httpSlot = httpSlot;
  }

  /** The new assignment: stops removed or changed servers, starts new ones. @param {Record<string, Entry | { uri: string, headers: Record<string, string> }>} servers */
  assign(servers) {
    for (const [name, slot] of this.#slots)
      if (!servers[name] || JSON.stringify(servers[name]) !== slot.key) {
        slot.stop();
        this.#slots.delete(name);
      }
    for (const [name, entry] of Object.entries(servers))
      if (!this.#slots.has(name)) {
        const slot = 'uri' in entry ? this.httpSlot(name, entry, this) : new ServerSlot(name, entry, this);
        this.#slots.set(name, slot);
        slot.start();
      }
    this.report();
  }

  /** @param {string} server @param {string} session */
  open(server, session) {
    const slot = this.#slots.get(server);
    if (!slot) return this.sink.closed(server, session, `${server} is not assigned to this connector`);
    slot.open(session);
  }
  /** @param {string} server @param {string} session @param {string} line */
  message(server, session, line) {
    const slot = this.#slots.get(server);
    if (!slot?.write(session, line)) this.sink.closed(server, session, `no session ${session} of ${server} on this connector`);
  }
  /** @param {string} server @param {string} session */
  close(server, session) {
    this.#slots.get(server)?.close(session);
  }
  /** The link dropped: the edge ended every session; standbys keep running. */
  dropSessions() {
    for (const slot of this.#slots.values()) slot.dropSessions();
  }
  stopAll() {
    for (const slot of this.#slots.values()) slot.stop();
    this.#slots.clear();
  }
  report() {
    this.sink.status(Object.fromEntries([...this.#slots].map(([n, s]) => [n, s.reportRow()])));
  }
}

class ServerSlot extends SlotState {
  /** @type {Child | null} */
  standby = null;
  /** @override @type {Map<string, Child>} */
  sessions = new Map();
  /** @type {number[]} */
  exits = [];
  consecutive = 0;
  /** @type {NodeJS.Timeout | undefined} */
  timer;
  stopped = false;

  /** @param {string} name @param {Entry} entry @param {Supervisor} sup */
  constructor(name, entry, sup) {
    super(name, entry, sup);
    this.entry = entry;
    this.sup = sup;
  }

  start() {
    if (this.stopped || this.standby || this.state === 'failed') return;
    this.standby = this.spawn(null);
  }

  /** @param {string} session */
  open(session) {
    if (this.state === 'failed' || this.state === 'crash-looping')
      return this.sup.sink.closed(this.name, session, `${this.name} is ${this.state}: ${this.detail ?? ''}`);
    if (this.sessions.size >= MAX_SESSIONS_PER_SERVER) {
      const [oldest] = this.sessions.keys();
      this.close(oldest);
      this.sup.sink.closed(this.name, oldest, `ended: this connector runs at most ${MAX_SESSIONS_PER_SERVER} sessions of ${this.name}`);
    }
    const child = this.standby ?? this.spawn(session);
    if (!child) return this.sup.sink.closed(this.name, session, `${this.name} could not start: ${this.detail ?? 'unknown error'}`);
    this.standby = null;
    child.session = session;
    this.sessions.set(session, child);
    for (const line of child.lines.splice(0)) this.sup.sink.message(this.name, session, line);
    this.start();
    this.sup.report();
  }

  /** @param {string} session @param {string} line */
  write(session, line) {
    const child = this.sessions.get(session);
    if (!child?.proc.stdin.writable) return false;
    child.proc.stdin.write(`${line}\n`);
    return true;
  }

  /** @param {string} session */
  close(session) {
    const child = this.sessions.get(session);
    if (!child) return;
    this.sessions.delete(session);
    kill(child);
    this.sup.report();
  }

  dropSessions() {
    for (const child of this.sessions.values()) kill(child);
    this.sessions.clear();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.standby) kill(this.standby);
    this.standby = null;
    for (const [session, child] of this.sessions) {
      kill(child);
      this.sup.sink.closed(this.name, session, `${this.name} was removed from this connector's assignment`);
    }
    this.sessions.clear();
  }

  /** @param {string | null} session @returns {Child | null} */
  spawn(session) {
    let env;
    try {
      env = resolveEnv(this.entry.env, this.sup.env);
    } catch (e) {
      this.setState('failed', /** @type {Error} */ (e).message);
      return null;
    }
    /** @type {NodeJS.ProcessEnv} */
    const base = {};
    for (const k of INHERITED) if (this.sup.env[k] !== undefined) base[k] = this.sup.env[k];
    const proc = spawn(this.entry.command, this.entry.args, {
      cwd: this.entry.cwd,
      env: { ...base, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    /** @type {Child} */
    const child = { proc, session, killed: false, lines: [], stderr: '', startedAt: Date.now() };
    let buffered = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (/** @type {string} */ chunk) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        if (line.trim()) this.#line(child, line);
        nl = buffered.indexOf('\n');
      }
      if (buffered.length > MAX_FRAME_BYTES) this.#fail(child, `${this.name} wrote a line longer than 4 MiB`);
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (/** @type {string} */ chunk) => {
      child.stderr = (child.stderr + chunk).slice(-STDERR_TAIL);
      for (const l of chunk.split('\n')) if (l.trim()) this.sup.sink.log(`[${this.name}] ${l}`);
    });
    proc.stdin.on('error', () => {}); // EPIPE after the child exited: the exit handler reports it
    proc.on('error', (/** @type {Error} */ e) => this.#exited(child, `could not start: ${e.message}`));
    proc.on('exit', (/** @type {number | null} */ code, /** @type {string | null} */ signal) =>
      this.#exited(child, signal ? `killed by ${signal}` : `exited with code ${code}`),
    );
    setTimeout(() => {
      if (this.#alive(child) && (this.state === 'starting' || this.state === 'backoff' || this.state === 'crash-looping')) this.setState('ready');
    }, READY_AFTER_MS).unref();
    setTimeout(() => {
      if (this.#alive(child)) this.consecutive = 0;
    }, HEALTHY_AFTER_MS).unref();
    return child;
  }

  /** @param {Child} child */
  #alive(child) {
    return !child.killed && child.proc.exitCode === null && child.proc.signalCode === null;
  }

  /** @param {Child} child @param {string} line */
  #line(child, line) {
    if (child.session) this.sup.sink.message(this.name, child.session, line);
    else if (child.lines.length < 1000) child.lines.push(line); // a standby's output before any session
  }

  /** @param {Child} child @param {string} reason */
  #fail(child, reason) {
    if (child.session) this.sup.sink.closed(this.name, child.session, reason);
    kill(child);
  }

  /** @param {Child} child @param {string} how */
  #exited(child, how) {
    if (child.killed || this.stopped) return;
    child.killed = true;
    const last = child.stderr.trim().split('\n').pop();
    const reason = `${how}${last ? `, stderr: ${last}` : ''}`;
    if (child.session && this.sessions.get(child.session) === child) {
      this.sessions.delete(child.session);
      this.sup.sink.closed(this.name, child.session, `${this.name} ${reason}`);
    }
    if (this.standby === child) this.standby = null;
    const now = Date.now();
    this.exits = [...this.exits.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.consecutive++;
    if (this.exits.length >= CRASH_LIMIT)
      this.setState('crash-looping', `exited ${this.exits.length} times in ${CRASH_WINDOW_MS / 1000} s, last: ${last || how}`);
    else this.setState('backoff', reason);
    const wait = Math.min(BACKOFF_MIN_MS * 2 ** (this.consecutive - 1), BACKOFF_MAX_MS);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), wait);
  }
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after 2 s. @param {Child} child */
function kill(child) {
  child.killed = true;
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.stdin.end();
  child.proc.kill('SIGTERM');
  setTimeout(() => {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  }, 2000).unref();
}
