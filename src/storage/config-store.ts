/**
 * Storage of one tenant's configuration inside its ConfigDO's SQLite (schema: migrations/).
 *
 *   config_versions(version PK, config JSON, created_at, actor) — the newest `keepVersions` committed
 *   audit(id, at, actor, action, target, version_before, version_after, ok, detail)
 *   sessions(session_id PK, sub, lane, created_at, last_seen_at) — live sessions to notify
 *   catalogs(server PK, tools JSON, checked_at)     — tool names seen at the last mount check
 *   health(server PK, ok, latency_ms, tools, error, checked_at) — last health probe per upstream
 *   secrets(name PK, iv, ciphertext, updated_at, updated_by) — sealed values (storage/secret-store.ts)
 *   tool_pins, tool_pending, call_approvals — pinned tool definitions, quarantined ones, parked calls (storage/trust-store.ts)
 *
 * Invariants: versions only grow; `commit` writes the new version and its audit row in one
 * transaction, and only if the caller's expected version is still current (check-and-set), so
 * two writers can never both win. Reads never see a half-written change.
 */
import { CONFIG_MIGRATIONS } from './config-migrations';
import { applyMigrations } from './migrations';

/** Audit rows kept (older ones are trimmed every 100 versions). */
export const AUDIT_CAP = 10_000;

export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  versionBefore: number;
  versionAfter: number;
  ok: boolean;
  detail: unknown;
}

export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  ok: boolean;
  detail?: unknown;
}

/** One committed version of the tenant's configuration document (its meaning is config/'s). */
export type Versioned<C> = Readonly<{ version: number; config: C }>;

export class ConfigStore<C = unknown> {
  #sql: SqlStorage;
  #current: Versioned<C> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Committed versions kept (CONFIG_HISTORY_VERSIONS); older rows are deleted at each commit. */
    private readonly keepVersions = 100,
  ) {
    this.#sql = storage.sql;
    applyMigrations(storage, CONFIG_MIGRATIONS);
  }

  /** The newest version, or null before the first commit. */
  current(): Versioned<C> | null {
    if (this.#current) return this.#current;
    const row = this.#sql.exec<{ version: number; config: string }>(`SELECT version, config FROM config_versions ORDER BY version DESC LIMIT 1`).toArray()[0];
    this.#current = row ? Object.freeze({ version: row.version, config: JSON.parse(row.config) as C }) : null;
    return this.#current;
  }

  /**
   * Commits `config` as the next version iff the current version is `expected`; writes the audit
   * row in the same transaction. Returns the new snapshot, or null on a version conflict.
   */
  commit(expected: number, config: C, audit: AuditInput): Versioned<C> | null {
    return this.storage.transactionSync(() => this.#commitIn(expected, config, audit));
  }

  /**
   * Runs `write` (another table of this DO, e.g. the secret store) and records it in the same
   * transaction: as a new version with the same config when `bump` (runtimes re-read and rebuild
   * what depends on it; returns that snapshot), else as an audit row at the current version.
   */
  record(write: () => void, audit: AuditInput, bump: boolean): Versioned<C> | null {
    return this.storage.transactionSync(() => {
      write();
      const cur = this.current();
      if (bump && cur) return this.#commitIn(cur.version, cur.config, audit);
      const v = cur?.version ?? 0;
      this.#insertAudit(Date.now(), audit, v, v);
      return null;
    });
  }

  #commitIn(expected: number, config: C, audit: AuditInput): Versioned<C> | null {
    const cur = this.current()?.version ?? 0;
    if (cur !== expected) return null;
    const next = cur + 1;
    const now = Date.now();
    this.#sql.exec(`INSERT INTO config_versions (version, config, created_at, actor) VALUES (?, ?, ?, ?)`, next, JSON.stringify(config), now, audit.actor);
    this.#insertAudit(now, audit, cur, next);
    this.#sql.exec(`DELETE FROM config_versions WHERE version <= ?`, next - this.keepVersions);
    this.#current = Object.freeze({ version: next, config });
    return this.#current;
  }

  /** Records a change that did not happen (refused, failed mount): version unchanged. */
  auditFailure(audit: AuditInput): void {
    const cur = this.current()?.version ?? 0;
    this.#insertAudit(Date.now(), { ...audit, ok: false }, cur, cur);
  }

  #insertAudit(at: number, a: AuditInput, before: number, after: number): void {
    this.#sql.exec(
      `INSERT INTO audit (at, actor, action, target, version_before, version_after, ok, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      at,
      a.actor,
      a.action,
      a.target ?? null,
      before,
      after,
      a.ok ? 1 : 0,
      a.detail === undefined ? null : JSON.stringify(a.detail),
    );
    // Every kind of row (commits, refusals, secret writes) counts toward the cap: trim every 100 ids.
    const id = this.#sql.exec<{ id: number }>(`SELECT last_insert_rowid() AS id`).one().id;
    if (id % 100 === 0) this.trimAudit(AUDIT_CAP);
  }

  audit(limit = 100, beforeId?: number): AuditRecord[] {
    const rows = this.#sql
      .exec<Record<string, string | number | null>>(
        `SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?`,
        beforeId ?? Number.MAX_SAFE_INTEGER,
        Math.min(Math.max(limit, 1), 1000),
      )
      .toArray();
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      actor: String(r.actor),
      action: String(r.action),
      target: r.target === null ? null : String(r.target),
      versionBefore: Number(r.version_before),
      versionAfter: Number(r.version_after),
      ok: r.ok === 1,
      detail: r.detail === null ? null : JSON.parse(String(r.detail)),
    }));
  }

  catalogs(): Map<string, string[]> {
    const rows = this.#sql.exec<{ server: string; tools: string }>(`SELECT server, tools FROM catalogs`).toArray();
    return new Map(rows.map((r) => [r.server, JSON.parse(r.tools) as string[]]));
  }

  saveCatalog(server: string, tools: string[]): void {
    this.#sql.exec(
      `INSERT INTO catalogs (server, tools, checked_at) VALUES (?, ?, ?) ON CONFLICT(server) DO UPDATE SET tools = excluded.tools, checked_at = excluded.checked_at`,
      server,
      JSON.stringify(tools),
      Date.now(),
    );
  }

  saveHealth(server: string, h: { ok: boolean; ms: number; tools?: number; error?: string }, now = Date.now()): void {
    this.#sql.exec(
      `INSERT INTO health (server, ok, latency_ms, tools, error, checked_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(server) DO UPDATE SET ok = excluded.ok, latency_ms = excluded.latency_ms, tools = excluded.tools, error = excluded.error, checked_at = excluded.checked_at`,
      server,
      h.ok ? 1 : 0,
      h.ms,
      h.tools ?? null,
      h.error ?? null,
      now,
    );
  }

  health(): { server: string; ok: boolean; latencyMs: number; tools: number | null; error: string | null; checkedAt: number }[] {
    return this.#sql
      .exec<{ server: string; ok: number; latency_ms: number; tools: number | null; error: string | null; checked_at: number }>(
        `SELECT * FROM health ORDER BY server`,
      )
      .toArray()
      .map((r) => ({ server: r.server, ok: r.ok === 1, latencyMs: r.latency_ms, tools: r.tools, error: r.error, checkedAt: r.checked_at }));
  }

  /** Versions still stored (oldest first). */
  versions(): number[] {
    return this.#sql
      .exec<{ version: number }>(`SELECT version FROM config_versions ORDER BY version`)
      .toArray()
      .map((r) => r.version);
  }

  /** Keeps the newest `keep` audit rows (the audit log is bounded). */
  trimAudit(keep: number): void {
    this.#sql.exec(`DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?`, keep);
  }

  upsertSession(id: string, sub: string, lane: string, now = Date.now()): void {
    this.#sql.exec(
      `INSERT INTO sessions (session_id, sub, lane, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(session_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
      id,
      sub,
      lane,
      now,
      now,
    );
  }

  hasSession(id: string): boolean {
    return this.#sql.exec(`SELECT 1 FROM sessions WHERE session_id = ?`, id).toArray().length > 0;
  }

  /** Live sessions of the tenant, or of one principal (`sub`). */
  countSessions(sub?: string): number {
    const q =
      sub === undefined
        ? this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM sessions`)
        : this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM sessions WHERE sub = ?`, sub);
    return q.one().n;
  }

  /** Drops registry rows last seen before `cutoff` (sessions that expired without unregistering). */
  pruneSessions(cutoff: number): void {
    this.#sql.exec(`DELETE FROM sessions WHERE last_seen_at < ?`, cutoff);
  }

  /** The principal's least recently seen session (ties: the oldest). */
  leastRecentSession(sub: string): string | null {
    const r = this.#sql.exec<{ session_id: string }>(`SELECT session_id FROM sessions WHERE sub = ? ORDER BY last_seen_at, created_at LIMIT 1`, sub).toArray();
    return r[0]?.session_id ?? null;
  }

  removeSession(id: string): void {
    this.#sql.exec(`DELETE FROM sessions WHERE session_id = ?`, id);
  }

  sessions(): { sessionId: string; sub: string; lane: string; createdAt: number; lastSeenAt: number }[] {
    return this.#sql
      .exec<{ session_id: string; sub: string; lane: string; created_at: number; last_seen_at: number }>(`SELECT * FROM sessions ORDER BY created_at`)
      .toArray()
      .map((r) => ({ sessionId: r.session_id, sub: r.sub, lane: r.lane, createdAt: r.created_at, lastSeenAt: r.last_seen_at }));
  }
}
