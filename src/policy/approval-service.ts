/**
 * Tool calls parked for an admin's approval (policy `approval: "admin"`), inside the tenant's
 * ConfigDO; and the per-principal, per-tool call rates (policy `rate`), kept here so that every
 * session and isolate of the tenant counts against one bucket.
 *
 * A parked call is a row bound to the SHA-256 of its canonical arguments. The caller's request
 * waits on it in slices (`wait`), sending progress between them; an admin approves it only by
 * naming that digest (what the dashboard showed), so an approval never covers other arguments.
 * Rows expire at `expiresAt`; a caller that goes away cancels its row.
 * Trade-off: rate buckets live in this object's memory (bounded, reset when it is evicted), and a
 * rate-limited tool costs one round trip to it per call.
 */
import { TokenBuckets } from '../auth/rate-limit';
import type { Actor } from '../config/service';
import type { AuditInput } from '../storage/config-store';
import type { ApprovalRow, ApprovalStatus, TrustStore } from '../storage/trust-store';

export const MAX_PENDING_APPROVALS = 200;

export interface ApprovalDeps {
  store: TrustStore;
  audit(a: AuditInput): void;
  count(decision: string, server: string, rule?: number): void;
}

/** A call to park: the row's identity fields (`args` is the canonical JSON, `digest` its SHA-256 hex) and how long it may wait. */
export type ApprovalRequest = Pick<ApprovalRow, 'server' | 'tool' | 'sub' | 'args' | 'digest' | 'rule'> & { ttlMs: number };

export type Decision = { ok: true; status: ApprovalStatus } | { ok: false; status: number; error: string };

export class ApprovalService {
  #waiters = new Map<string, Set<() => void>>();
  #buckets = new TokenBuckets();
  /** Rate refusals audited: the first per key and minute (a refused flood writes one row). */
  #auditedRefusals = new Map<string, number>();

  constructor(private readonly d: ApprovalDeps) {}

  request(r: ApprovalRequest): { ok: true; id: string; expiresAt: number } | { ok: false; error: string } {
    this.#expire();
    if (this.d.store.countPendingApprovals() >= MAX_PENDING_APPROVALS)
      return { ok: false, error: `this tenant already has ${MAX_PENDING_APPROVALS} calls waiting for an admin; decide or let them expire first` };
    const now = Date.now();
    const id = crypto.randomUUID();
    const row: ApprovalRow = { id, ...r, status: 'pending', createdAt: now, expiresAt: now + r.ttlMs, decidedBy: null, decidedAt: null };
    this.d.store.insertApproval(row);
    this.d.audit({ actor: r.sub, action: 'call.approval_requested', target: r.server, ok: true, detail: { id, tool: r.tool, digest: r.digest, rule: r.rule } });
    this.d.count('approval_requested', r.server, r.rule);
    return { ok: true, id, expiresAt: row.expiresAt };
  }

  /** Resolves with the row's status once decided, or after `ms` (still pending), whichever is first. */
  async wait(id: string, ms: number): Promise<ApprovalStatus | 'unknown'> {
    const row = this.#fresh(id);
    if (!row) return 'unknown';
    if (row.status !== 'pending') return row.status;
    await new Promise<void>((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) this.#waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, row.expiresAt - Date.now() + 10)));
      set.add(done);
    });
    return this.#fresh(id)?.status ?? 'unknown';
  }

  /** An admin's decision; approving needs the digest of the arguments the admin reviewed. */
  decide(actor: Actor, id: string, approve: boolean, digest?: unknown): Decision {
    const row = this.#fresh(id);
    if (!row) return { ok: false, status: 404, error: `no parked call '${id}'` };
    if (row.status !== 'pending') return { ok: false, status: 409, error: `call '${id}' is already ${row.status}` };
    if (approve && digest !== row.digest) {
      this.d.audit({
        actor: actor.sub,
        action: 'call.approve',
        target: row.server,
        ok: false,
        detail: { id, tool: row.tool, error: 'digest mismatch', digest, expected: row.digest },
      });
      return {
        ok: false,
        status: 409,
        error: `digest mismatch: the call's arguments hash to ${row.digest}, not ${String(digest)}; approve only the arguments you reviewed`,
      };
    }
    const status = approve ? 'approved' : 'rejected';
    this.d.store.decideApproval(id, status, actor.sub);
    this.d.audit({
      actor: actor.sub,
      action: approve ? 'call.approve' : 'call.reject',
      target: row.server,
      ok: true,
      detail: { id, tool: row.tool, sub: row.sub, digest: row.digest, rule: row.rule },
    });
    this.d.count(status, row.server, row.rule);
    this.#wake(id);
    return { ok: true, status };
  }

  /** The caller stopped waiting (cancelled, gone, or its wait ran past the expiry). */
  cancel(id: string, why: 'cancelled' | 'expired'): void {
    const row = this.d.store.approval(id);
    if (row?.status === 'pending' && this.d.store.decideApproval(id, why, 'system')) {
      this.d.audit({ actor: 'system', action: `call.${why}`, target: row.server, ok: true, detail: { id, tool: row.tool, sub: row.sub } });
      this.#wake(id);
    }
  }

  list(status?: ApprovalStatus) {
    this.#expire();
    return this.d.store.approvals(status).map((r) => ({ ...r, args: JSON.parse(r.args) as unknown }));
  }

  /** A policy decision made by a runtime (denied, elicitation answered): one audit row, counted. */
  audit(a: AuditInput): void {
    this.d.audit(a);
  }

  /** Takes one call from `sub`'s bucket for `tool`; the seconds to wait when it is empty. */
  takeRate(sub: string, server: string, tool: string, perMinute: number, rule: number): { ok: true } | { ok: false; retryAfterSec: number } {
    const key = `${sub}\u0000${tool}`;
    const r = this.#buckets.take(key, perMinute);
    if (r.ok) return { ok: true };
    const now = Date.now();
    if ((this.#auditedRefusals.get(key) ?? 0) < now - 60_000) {
      if (this.#auditedRefusals.size > 10_000) this.#auditedRefusals.clear();
      this.#auditedRefusals.set(key, now);
      this.d.audit({ actor: sub, action: 'call.rate_limited', target: server, ok: false, detail: { tool, rule, perMinute, retryAfterSec: r.retryAfterSec } });
    }
    return { ok: false, retryAfterSec: r.retryAfterSec };
  }

  #fresh(id: string): ApprovalRow | null {
    const row = this.d.store.approval(id);
    if (row?.status === 'pending' && row.expiresAt <= Date.now()) {
      this.cancel(id, 'expired');
      return this.d.store.approval(id);
    }
    return row;
  }

  #expire(): void {
    const now = Date.now();
    for (const r of this.d.store.approvals('pending', MAX_PENDING_APPROVALS)) if (r.expiresAt <= now) this.cancel(r.id, 'expired');
  }

  #wake(id: string): void {
    for (const w of [...(this.#waiters.get(id) ?? [])]) w();
  }
}
