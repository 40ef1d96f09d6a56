/**
 * The ConfigDO's RPC surface as a plain interface: callers (admin routes, hub tools, sessions)
 * type their stub with it, because RPC type inference turns the zod-derived record types into
 * `never`. It is checked against the class, not cast: `configApi` returns the typed stub (utils/
 * do-stubs.ts) as a ConfigApi, which compiles only while ConfigDO has every method here with a
 * compatible signature.
 */

import type { MetricsBatch } from '../observability/metrics';
import type { AuditRecord } from '../storage/config-store';
import type { SecretMeta } from '../storage/secret-store';
import { configStub } from '../utils/do-stubs';
import type { Assignment } from './connector';
import type { ConfigSnapshot, HubConfig } from './schema';
import type { SecretResult } from './secret-service';
import type { Actor, ChangeResult, SessionAdmission } from './service';

/** `note`: mountable but not ready (an OAuth upstream nobody has signed in to). */
export type CheckResults = Record<string, { ok: boolean; tools?: number; note?: string; error?: string; ms: number }>;

export interface ConfigApi {
  snapshot(known: number): Promise<ConfigSnapshot | null>;
  assignment(name: string, known: number): Promise<Assignment | null>;
  redacted(): Promise<{ version: number; config: HubConfig }>;
  addServer(actor: Actor, name: string, input: unknown, opts?: { replace?: boolean; check?: boolean; strict?: boolean }): Promise<ChangeResult>;
  updateServer(actor: Actor, name: string, patch: unknown, check?: boolean, strict?: boolean): Promise<ChangeResult>;
  removeServer(actor: Actor, name: string): Promise<ChangeResult>;
  setEnabled(actor: Actor, name: string, enabled: boolean, check?: boolean): Promise<ChangeResult>;
  putConfig(actor: Actor, input: unknown, ifMatch?: number, check?: boolean, strict?: boolean): Promise<ChangeResult>;
  putKit(actor: Actor, name: string, kit: unknown, strict?: boolean): Promise<ChangeResult>;
  deleteKit(actor: Actor, name: string): Promise<ChangeResult>;
  putProfile(actor: Actor, name: string, profile: unknown): Promise<ChangeResult>;
  deleteProfile(actor: Actor, name: string): Promise<ChangeResult>;
  loadKit(actor: Actor, name: string, enable?: boolean, check?: boolean): Promise<ChangeResult>;
  unloadKit(actor: Actor, name: string): Promise<ChangeResult>;
  listSecrets(): Promise<SecretMeta[]>;
  setSecret(actor: Actor, name: string, value: unknown): Promise<SecretResult>;
  deleteSecret(actor: Actor, name: string): Promise<SecretResult>;
  check(names?: string[], timeoutMs?: number): Promise<CheckResults>;
  audit(limit?: number, before?: number): Promise<AuditRecord[]>;
  health(): Promise<{ server: string; ok: boolean; latencyMs: number; tools: number | null; error: string | null; checkedAt: number }[]>;
  recordMetrics(batch: MetricsBatch): Promise<void>;
  metrics(): Promise<string>;
  registerSession(id: string, sub: string, lane: string, opening: boolean): Promise<SessionAdmission>;
  unregisterSession(id: string): Promise<void>;
  /** A connector came or went: the tenant's sessions and listen streams are told their lists changed. */
  connectorChanged(name: string): Promise<void>;
  /** A connector's servers' states, kept as their health rows (hub_status, dashboard). */
  connectorHealth(results: Record<string, { ok: boolean; error?: string }>): Promise<void>;
  sessions(): Promise<{ sessionId: string; sub: string; lane: string; createdAt: number; lastSeenAt: number }[]>;
}

export function configApi(env: Env, tenant: string): ConfigApi {
  return configStub(env, tenant);
}
