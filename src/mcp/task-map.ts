/**
 * Tasks of one legacy session (MCP 2025-11-25 tasks): which upstream owns each task the client
 * sees. The client gets edgehub's own random id, never the upstream's (ids of two upstreams may
 * collide, and an upstream's id names nothing the client may address elsewhere).
 *
 * Table (in the SessionDO's SQLite, created on first use):
 *   tasks(id TEXT PRIMARY KEY, server TEXT, upstream TEXT, expires INTEGER)
 * Invariants: bounded to TASK_CAP rows per session (the oldest-expiring go first); a row lives as
 * long as the task's own `ttl` (capped at MAX_TASK_TTL_MS; `ttl: null` = the cap), after which the
 * id is unknown (-32602, as for any unknown task); the session's end deletes them all.
 */

import { hex, hexToBytes } from '../utils/bytes';
import { fnv1a } from './naming';

export const TASK_CAP = 1000;
export const MAX_TASK_TTL_MS = 24 * 3600_000;

/** The 2026-07-28 tasks extension (SEP-2663): advertised and forwarded on the modern lane. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** What edgehub advertises on the legacy lane (MCP 2025-11-25 `ServerCapabilities.tasks`). */
export const LEGACY_TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } } as const;

export interface TaskRef {
  id: string;
  server: string;
  upstream: string;
}

export interface TaskMap {
  /** Records an upstream task; returns the id the client sees. */
  add(server: string, upstreamId: string, ttlMs: number | null | undefined): string;
  get(id: string): TaskRef | null;
  /** The client's id for an upstream task, or null when this session does not know it. */
  idFor(server: string, upstreamId: string): string | null;
  all(): TaskRef[];
}

function newId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

export class SqlTaskMap implements TaskMap {
  #ready = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number = Date.now,
  ) {}

  #init(): void {
    if (this.#ready) return;
    this.sql.exec('CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, server TEXT NOT NULL, upstream TEXT NOT NULL, expires INTEGER NOT NULL)');
    this.sql.exec('CREATE INDEX IF NOT EXISTS tasks_upstream ON tasks (server, upstream)');
    this.#ready = true;
  }

  add(server: string, upstreamId: string, ttlMs: number | null | undefined): string {
    this.#init();
    const now = this.now();
    const ttl = typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs >= 0 ? Math.min(ttlMs, MAX_TASK_TTL_MS) : MAX_TASK_TTL_MS;
    const known = this.idFor(server, upstreamId);
    if (known) {
      this.sql.exec('UPDATE tasks SET expires = ? WHERE id = ?', now + ttl, known);
      return known;
    }
    const id = newId();
    this.sql.exec('DELETE FROM tasks WHERE expires < ?', now);
    this.sql.exec('DELETE FROM tasks WHERE id IN (SELECT id FROM tasks ORDER BY expires ASC LIMIT max(0, (SELECT COUNT(*) FROM tasks) - ?))', TASK_CAP - 1);
    this.sql.exec('INSERT INTO tasks (id, server, upstream, expires) VALUES (?, ?, ?, ?)', id, server, upstreamId, now + ttl);
    return id;
  }

  get(id: string): TaskRef | null {
    this.#init();
    const row = this.sql
      .exec<{ id: string; server: string; upstream: string }>('SELECT id, server, upstream FROM tasks WHERE id = ? AND expires >= ?', id, this.now())
      .toArray()[0];
    return row ? { id: row.id, server: row.server, upstream: row.upstream } : null;
  }

  idFor(server: string, upstreamId: string): string | null {
    this.#init();
    const row = this.sql
      .exec<{ id: string }>('SELECT id FROM tasks WHERE server = ? AND upstream = ? AND expires >= ?', server, upstreamId, this.now())
      .toArray()[0];
    return row?.id ?? null;
  }

  all(): TaskRef[] {
    this.#init();
    return this.sql
      .exec<{ id: string; server: string; upstream: string }>('SELECT id, server, upstream FROM tasks WHERE expires >= ? ORDER BY expires', this.now())
      .toArray()
      .map((r) => ({ id: r.id, server: r.server, upstream: r.upstream }));
  }

  /** Removes the table (the session ended). */
  drop(): void {
    this.sql.exec('DROP TABLE IF EXISTS tasks');
    this.#ready = false;
  }

  count(): number {
    this.#init();
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM tasks').one().n;
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * Task ids of the stateless modern lane (2026-07-28 tasks extension): no session holds a map, so
 * the id carries its owner: `t1.{hex(server)}.{fnv1a(principal)}.{hex(upstream id)}`. The
 * principal tag keeps one caller's ids from naming another's tasks by mistake; it is no secret
 * (the upstream's own ids must be unguessable, as the extension requires of servers).
 */
export class StatelessTaskIds implements TaskMap {
  readonly #tag: string;

  constructor(principal: string) {
    this.#tag = fnv1a(principal);
  }

  add(server: string, upstreamId: string): string {
    return this.idFor(server, upstreamId);
  }

  idFor(server: string, upstreamId: string): string {
    return `t1.${hex(utf8.encode(server))}.${this.#tag}.${hex(utf8.encode(upstreamId))}`;
  }

  get(id: string): TaskRef | null {
    const m = /^t1\.((?:[0-9a-f]{2})+)\.([0-9a-f]{8})\.((?:[0-9a-f]{2})+)$/.exec(id);
    if (!m || m[2] !== this.#tag) return null;
    return { id, server: fromUtf8.decode(hexToBytes(m[1])), upstream: fromUtf8.decode(hexToBytes(m[3])) };
  }

  all(): TaskRef[] {
    return []; // 2026 has no tasks/list
  }
}
