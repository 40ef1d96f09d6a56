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
 */
export interface Limits {
  sessionsPerPrincipal: number;
  sessionsPerTenant: number;
  listenPerPrincipal: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  sessionsPerPrincipal: 100,
  sessionsPerTenant: 10_000,
  listenPerPrincipal: 20,
});

/** A positive integer var, or the default. */
export function positiveInt(v: unknown, fallback: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function readLimits(env: object): Limits {
  const e = env as Record<string, unknown>;
  return {
    sessionsPerPrincipal: positiveInt(e.MAX_SESSIONS_PER_PRINCIPAL, DEFAULT_LIMITS.sessionsPerPrincipal),
    sessionsPerTenant: positiveInt(e.MAX_SESSIONS_PER_TENANT, DEFAULT_LIMITS.sessionsPerTenant),
    listenPerPrincipal: positiveInt(e.MAX_LISTEN_STREAMS_PER_PRINCIPAL, DEFAULT_LIMITS.listenPerPrincipal),
  };
}
