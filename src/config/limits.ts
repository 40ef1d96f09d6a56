/**
 * Resource caps read from Worker vars (all optional; a missing, empty or invalid value means the
 * default, `0` is refused as a value for caps that must hold). One place, so the README's table,
 * the Config DO and the routes read the same numbers.
 *
 *   MAX_SESSIONS_PER_PRINCIPAL        100   live 2025-lane sessions of one (tenant, sub); the next
 *                                           one ends that principal's least recently seen session
 *   MAX_SESSIONS_PER_TENANT         10000   live sessions of a tenant; the next initialize gets 429
 *   MAX_LISTEN_STREAMS_PER_PRINCIPAL   20   open 2026-lane `subscriptions/listen` streams of one
 *                                           principal; the next one gets 429
 *   MAX_SERVERS_PER_TENANT            200   server entries in a tenant's configuration (413)
 *   MAX_CONFIG_BYTES              1048576   a tenant's configuration as JSON, kits included (413)
 *   CONFIG_HISTORY_VERSIONS           100   committed versions kept; older ones are deleted, so a
 *                                           literal secret removed from the config ages out
 *   AUTH_FAILURES_PER_MINUTE          120   requests failing authentication per client IP
 *                                           (CF-Connecting-IP) before 429; 0 = off
 *
 * dev-open mode has one principal (the local developer, loopback only): like the rate limit, the
 * per-principal caps do not apply there (a benchmark's hundreds of sessions are one "principal");
 * the tenant-wide caps still do.
 */
export interface Limits {
  sessionsPerPrincipal: number;
  sessionsPerTenant: number;
  listenPerPrincipal: number;
  serversPerTenant: number;
  configBytes: number;
  historyVersions: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  sessionsPerPrincipal: 100,
  sessionsPerTenant: 10_000,
  listenPerPrincipal: 20,
  serversPerTenant: 200,
  configBytes: 1024 * 1024,
  historyVersions: 100,
});

/** SESSION_IDLE_TTL_SECONDS (default 24 h) in ms: a session unseen this long ends. */
export function sessionIdleTtlMs(env: object): number {
  return positiveInt((env as Record<string, unknown>).SESSION_IDLE_TTL_SECONDS, 86_400) * 1000;
}

/** APPROVAL_TTL_SECONDS (default 10 min) in ms: how long a call parked for an admin's approval waits. */
export function approvalTtlMs(env: object): number {
  return positiveInt((env as Record<string, unknown>).APPROVAL_TTL_SECONDS, 600) * 1000;
}

/** A positive integer var, or the default. */
export function positiveInt(v: unknown, fallback: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function readLimits(env: object): Limits {
  const e = env as Record<string, unknown>;
  const devOpen = e.AUTH_MODE === 'dev-open';
  return {
    sessionsPerPrincipal: devOpen ? Number.MAX_SAFE_INTEGER : positiveInt(e.MAX_SESSIONS_PER_PRINCIPAL, DEFAULT_LIMITS.sessionsPerPrincipal),
    sessionsPerTenant: positiveInt(e.MAX_SESSIONS_PER_TENANT, DEFAULT_LIMITS.sessionsPerTenant),
    listenPerPrincipal: devOpen ? Number.MAX_SAFE_INTEGER : positiveInt(e.MAX_LISTEN_STREAMS_PER_PRINCIPAL, DEFAULT_LIMITS.listenPerPrincipal),
    serversPerTenant: positiveInt(e.MAX_SERVERS_PER_TENANT, DEFAULT_LIMITS.serversPerTenant),
    configBytes: positiveInt(e.MAX_CONFIG_BYTES, DEFAULT_LIMITS.configBytes),
    historyVersions: positiveInt(e.CONFIG_HISTORY_VERSIONS, DEFAULT_LIMITS.historyVersions),
  };
}
