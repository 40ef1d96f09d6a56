/**
 * The trust part of the ConfigDO's RPC surface (pins, parked calls, rates, decision audit) as a
 * plain interface, like config/api.ts: checked against the class by `trustApi` returning the
 * typed stub as a TrustApi.
 */
import type { Actor } from '../config/service';
import type { AuditInput } from '../storage/config-store';
import type { ApprovalRow, ApprovalStatus } from '../storage/trust-store';
import { configStub } from '../utils/do-stubs';
import type { ApprovalRequest, Decision } from './approval-service';
import type { Observed, PinChange, PinService, Verdict } from './pin-service';

export type PendingTool = ReturnType<PinService['pending']>[number];

/** A parked call as the API returns it: the stored row with its arguments parsed. */
export type ParkedCall = Omit<ApprovalRow, 'args'> & { args: unknown };

export interface TrustApi {
  observeTools(server: string, tools: Observed[]): Promise<Record<string, Verdict>>;
  pendingTools(server?: string): Promise<PendingTool[]>;
  decideTools(actor: Actor, server: string, approve: boolean, tools?: unknown): Promise<PinChange>;
  requestApproval(r: ApprovalRequest): Promise<{ ok: true; id: string; expiresAt: number } | { ok: false; error: string }>;
  waitApproval(id: string, ms: number): Promise<ApprovalStatus | 'unknown'>;
  decideApproval(actor: Actor, id: string, approve: boolean, digest?: unknown): Promise<Decision>;
  cancelApproval(id: string, why: 'cancelled' | 'expired'): Promise<void>;
  approvals(status?: ApprovalStatus): Promise<ParkedCall[]>;
  takeRate(sub: string, server: string, tool: string, perMinute: number, rule: number): Promise<{ ok: true } | { ok: false; retryAfterSec: number }>;
  auditDecision(a: AuditInput): Promise<void>;
}

export function trustApi(env: Env, tenant: string): TrustApi {
  return configStub(env, tenant);
}
