/**
 * Storage of one MCP session (legacy lane) inside its SessionDO's SQLite.
 *
 * Tables (created on first use, idempotent):
 *   session(k TEXT PRIMARY KEY, v TEXT)     — 'state' → SessionState JSON
 *   events(seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT, data TEXT, at INTEGER)
 *                                           — SSE events for resumability (Last-Event-ID)
 *   tasks(…)                                — task ids (task-map.ts)
 * Invariants: the event store is bounded (EVENT_CAP rows, EVENT_TTL_MS age); `destroy()` leaves
 * no rows behind. Event ids are the global `seq`, so one id names both the stream and position.
 */

import type { Principal } from '../auth/principal';
import type { LogLevel } from './protocol';
import { SqlTaskMap } from './task-map';

export const EVENT_CAP = 1000;
export const EVENT_TTL_MS = 15 * 60_000;

export interface SessionState {
  id: string;
  principal: Principal;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
  logLevel?: LogLevel;
  createdAt: number;
  lastSeenAt: number;
  /** Resource URIs (as exposed) this session subscribed to. */
  subscriptions: string[];
  /** It has opened a GET stream before (get-streams.ts: a later object then repeats the hints). */
  streamed?: boolean;
  /** The view its initialize asked for (`/mcp/p/NAME`, `?mode=`), fixed for the session's life. */
  view?: { profile?: string; mode?: 'full' | 'search' | 'code' };
}

export class SessionStore {
  #sql: SqlStorage;
  #ready = false;
  #inserts = 0;
  /** The session's MCP 2025-11-25 task ids (task-map.ts: table `tasks`). */
  readonly tasks: SqlTaskMap;

  constructor(private readonly storage: DurableObjectStorage) {
    this.#sql = storage.sql;
    this.tasks = new SqlTaskMap(storage.sql);
  }

  #init(): void {
    if (this.#ready) return;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS session (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, data TEXT NOT NULL, at INTEGER NOT NULL)`);
    this.#ready = true;
  }

  load(): SessionState | null {
    this.#init();
    const row = this.#sql.exec<{ v: string }>(`SELECT v FROM session WHERE k = 'state'`).toArray()[0];
    return row ? (JSON.parse(row.v) as SessionState) : null;
  }

  save(state: SessionState): void {
    this.#init();
    this.#sql.exec(`INSERT INTO session (k, v) VALUES ('state', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, JSON.stringify(state));
  }

  /** Appends an SSE event and returns its id. Trims the store to its cap and TTL as it goes. */
  appendEvent(stream: string, data: string, now = Date.now()): string {
    return this.appendEvents(stream, [data], now)[0];
  }

  /**
   * Appends several events in one statement (a config change's three list_changed: one insert and
   * one trim per session, not three of each) and returns their ids in order.
   */
  appendEvents(stream: string, data: readonly string[], now = Date.now()): string[] {
    this.#init();
    const values = data.map(() => '(?, ?, ?)').join(', ');
    const rows = this.#sql
      .exec<{ seq: number }>(`INSERT INTO events (stream, data, at) VALUES ${values} RETURNING seq`, ...data.flatMap((d) => [stream, d, now]))
      .toArray()
      .map((r) => r.seq)
      .sort((a, b) => a - b);
    // Bounded at every step: drop what falls out of the window (cheap: a primary-key range).
    this.#sql.exec(`DELETE FROM events WHERE seq <= ?`, rows[rows.length - 1] - EVENT_CAP);
    this.#inserts += data.length;
    if (this.#inserts >= 100) {
      this.#inserts = 0;
      this.trimEvents(now);
    }
    return rows.map(String);
  }

  trimEvents(now = Date.now()): void {
    this.#init();
    this.#sql.exec(`DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ? OR at < ?`, EVENT_CAP, now - EVENT_TTL_MS);
  }

  /** Events after `lastEventId` on the same stream, oldest first; null if the id is unknown or expired. */
  eventsAfter(lastEventId: string): { stream: string; events: { id: string; data: string }[] } | null {
    this.#init();
    const seq = Number(lastEventId);
    if (!Number.isSafeInteger(seq)) return null;
    const anchor = this.#sql.exec<{ stream: string }>(`SELECT stream FROM events WHERE seq = ?`, seq).toArray()[0];
    if (!anchor) return null;
    const rows = this.#sql
      .exec<{ seq: number; data: string }>(`SELECT seq, data FROM events WHERE stream = ? AND seq > ? ORDER BY seq`, anchor.stream, seq)
      .toArray();
    return { stream: anchor.stream, events: rows.map((r) => ({ id: String(r.seq), data: r.data })) };
  }

  eventCount(): number {
    this.#init();
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM events`).one().n;
  }

  /** Removes every trace of the session. */
  async destroy(): Promise<void> {
    this.#sql.exec(`DROP TABLE IF EXISTS events`);
    this.#sql.exec(`DROP TABLE IF EXISTS session`);
    this.tasks.drop();
    this.#ready = false;
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }
}
