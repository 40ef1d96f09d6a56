/**
 * The trust tables of a tenant's ConfigDO (migrations/0005_trust.sql): pinned tool definitions,
 * quarantined (pending) ones, and tool calls parked for an admin's approval. Plain synchronous
 * SQL; policy/pin-service.ts and policy/approval-service.ts decide what is written and audit it.
 *
 *   tool_pins(server, tool) → hash, definition, pinned_at, pinned_by
 *   tool_pending(server, tool) → hash, definition, kind, flags, status ('pending' | 'rejected'), seen_at
 *   call_approvals(id) → server, tool, sub, args, digest, rule, status, created_at, expires_at, decided_*
 */

export interface PinRow {
  server: string;
  tool: string;
  hash: string;
  definition: Record<string, unknown>;
  pinnedAt: number;
  pinnedBy: string;
}

export type PendingKind = 'changed' | 'new' | 'flagged';

export interface PendingRow {
  server: string;
  tool: string;
  hash: string;
  definition: Record<string, unknown>;
  kind: PendingKind;
  flags: string[];
  status: 'pending' | 'rejected';
  seenAt: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface ApprovalRow {
  id: string;
  server: string;
  tool: string;
  sub: string;
  args: string;
  digest: string;
  rule: number;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
}

type Row = Record<string, string | number | null>;

const pin = (r: Row): PinRow => ({
  server: String(r.server),
  tool: String(r.tool),
  hash: String(r.hash),
  definition: JSON.parse(String(r.definition)),
  pinnedAt: Number(r.pinned_at),
  pinnedBy: String(r.pinned_by),
});
const pending = (r: Row): PendingRow => ({
  server: String(r.server),
  tool: String(r.tool),
  hash: String(r.hash),
  definition: JSON.parse(String(r.definition)),
  kind: String(r.kind) as PendingKind,
  flags: JSON.parse(String(r.flags)),
  status: String(r.status) as PendingRow['status'],
  seenAt: Number(r.seen_at),
});
const approval = (r: Row): ApprovalRow => ({
  id: String(r.id),
  server: String(r.server),
  tool: String(r.tool),
  sub: String(r.sub),
  args: String(r.args),
  digest: String(r.digest),
  rule: Number(r.rule),
  status: String(r.status) as ApprovalStatus,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  decidedBy: r.decided_by === null ? null : String(r.decided_by),
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
});

/** Finished approvals kept for the dashboard (older ones are deleted as new ones arrive). */
export const APPROVALS_KEPT = 1000;

export class TrustStore {
  #sql: SqlStorage;

  /** The ConfigStore has applied the migrations before this is built (same DO, same SQLite). */
  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql;
  }

  pins(server?: string): PinRow[] {
    const q =
      server === undefined
        ? this.#sql.exec<Row>(`SELECT * FROM tool_pins ORDER BY server, tool`)
        : this.#sql.exec<Row>(`SELECT * FROM tool_pins WHERE server = ? ORDER BY tool`, server);
    return q.toArray().map(pin);
  }

  pin(server: string, tool: string): PinRow | null {
    const r = this.#sql.exec<Row>(`SELECT * FROM tool_pins WHERE server = ? AND tool = ?`, server, tool).toArray()[0];
    return r ? pin(r) : null;
  }

  hasPins(server: string): boolean {
    return this.#sql.exec(`SELECT 1 FROM tool_pins WHERE server = ? LIMIT 1`, server).toArray().length > 0;
  }

  putPin(server: string, tool: string, hash: string, definition: unknown, by: string, now = Date.now()): void {
    this.#sql.exec(
      `INSERT INTO tool_pins (server, tool, hash, definition, pinned_at, pinned_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(server, tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition, pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`,
      server,
      tool,
      hash,
      JSON.stringify(definition),
      now,
      by,
    );
  }

  pendingList(server?: string): PendingRow[] {
    const q =
      server === undefined
        ? this.#sql.exec<Row>(`SELECT * FROM tool_pending ORDER BY server, tool`)
        : this.#sql.exec<Row>(`SELECT * FROM tool_pending WHERE server = ? ORDER BY tool`, server);
    return q.toArray().map(pending);
  }

  pending(server: string, tool: string): PendingRow | null {
    const r = this.#sql.exec<Row>(`SELECT * FROM tool_pending WHERE server = ? AND tool = ?`, server, tool).toArray()[0];
    return r ? pending(r) : null;
  }

  putPending(p: Omit<PendingRow, 'seenAt'>, now = Date.now()): void {
    this.#sql.exec(
      `INSERT INTO tool_pending (server, tool, hash, definition, kind, flags, status, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(server, tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition, kind = excluded.kind,
         flags = excluded.flags, status = excluded.status, seen_at = excluded.seen_at`,
      p.server,
      p.tool,
      p.hash,
      JSON.stringify(p.definition),
      p.kind,
      JSON.stringify(p.flags),
      p.status,
      now,
    );
  }

  deletePending(server: string, tool: string): void {
    this.#sql.exec(`DELETE FROM tool_pending WHERE server = ? AND tool = ?`, server, tool);
  }

  /** Forgets pins and pending entries of servers no longer configured (a re-added server is new). */
  retainServers(keep: readonly string[]): number {
    const known = new Set(keep);
    const gone = this.#sql
      .exec<{ server: string }>(`SELECT DISTINCT server FROM tool_pins UNION SELECT DISTINCT server FROM tool_pending`)
      .toArray()
      .map((r) => r.server)
      .filter((s) => !known.has(s));
    for (const s of gone) {
      this.#sql.exec(`DELETE FROM tool_pins WHERE server = ?`, s);
      this.#sql.exec(`DELETE FROM tool_pending WHERE server = ?`, s);
    }
    return gone.length;
  }

  insertApproval(a: ApprovalRow): void {
    this.#sql.exec(
      `INSERT INTO call_approvals (id, server, tool, sub, args, digest, rule, status, created_at, expires_at, decided_by, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      a.id,
      a.server,
      a.tool,
      a.sub,
      a.args,
      a.digest,
      a.rule,
      a.status,
      a.createdAt,
      a.expiresAt,
      a.decidedBy,
      a.decidedAt,
    );
    this.#sql.exec(
      `DELETE FROM call_approvals WHERE status != 'pending' AND id NOT IN (SELECT id FROM call_approvals ORDER BY created_at DESC LIMIT ?)`,
      APPROVALS_KEPT,
    );
  }

  approval(id: string): ApprovalRow | null {
    const r = this.#sql.exec<Row>(`SELECT * FROM call_approvals WHERE id = ?`, id).toArray()[0];
    return r ? approval(r) : null;
  }

  approvals(status?: ApprovalStatus, limit = 100): ApprovalRow[] {
    const q =
      status === undefined
        ? this.#sql.exec<Row>(`SELECT * FROM call_approvals ORDER BY created_at DESC LIMIT ?`, limit)
        : this.#sql.exec<Row>(`SELECT * FROM call_approvals WHERE status = ? ORDER BY created_at DESC LIMIT ?`, status, limit);
    return q.toArray().map(approval);
  }

  countPendingApprovals(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM call_approvals WHERE status = 'pending'`).one().n;
  }

  /** Moves a pending approval to `status`; false when it was no longer pending. */
  decideApproval(id: string, status: Exclude<ApprovalStatus, 'pending'>, by: string, now = Date.now()): boolean {
    const r = this.#sql.exec(`UPDATE call_approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`, status, by, now, id);
    return r.rowsWritten > 0;
  }
}
