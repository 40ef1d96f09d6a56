/**
 * What the dashboard shows, derived from admin API answers (plain functions, no I/O): one row per
 * configured server joining its config entry, its last health probe or check, and its circuit
 * breaker state (from the Prometheus text of GET /metrics, the only place breakers are reported).
 */
import type { AuditRecord } from '../storage/config-store';

export interface ApiServer {
  name: string;
  kind: string;
  effectivePrefix: string;
  enabled?: boolean;
  uri?: string | null;
  notes?: string;
}

export interface ApiHealth {
  server: string;
  ok: boolean;
  latencyMs: number;
  tools: number | null;
  error: string | null;
  checkedAt: number;
}

export interface ApiSession {
  sessionId: string;
  sub: string;
  lane: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A secret as GET /admin/api/secrets lists it: never a value. */
export interface ApiSecret {
  name: string;
  updatedAt: number;
  updatedBy: string;
}

/** An audit row as GET /admin/api/audit returns it: the store's record. */
export type ApiAudit = AuditRecord;

export type ServerState = 'up' | 'down' | 'unchecked' | 'disabled' | 'not mountable';
export type BreakerState = 'closed' | 'half-open' | 'open';

export interface ServerRow {
  name: string;
  prefix: string;
  kind: string;
  uri: string;
  enabled: boolean;
  state: ServerState;
  breaker: BreakerState | null;
  latencyMs: number | null;
  tools: number | null;
  error: string | null;
  checkedAt: number | null;
}

export function serverRows(servers: ApiServer[], health: ApiHealth[], breakers: Map<string, BreakerState>): ServerRow[] {
  const byName = new Map(health.map((h) => [h.server, h]));
  return servers.map((s) => {
    const h = byName.get(s.name);
    const enabled = s.enabled !== false;
    // Connector-served entries (stdio, http(s) naming one): their health rows are the connector's reports.
    const state: ServerState = !enabled ? 'disabled' : s.kind === 'invalid' ? 'not mountable' : !h ? 'unchecked' : h.ok ? 'up' : 'down';
    return {
      name: s.name,
      prefix: s.effectivePrefix,
      kind: s.kind,
      uri: s.uri ?? '',
      enabled,
      state,
      breaker: breakers.get(s.name) ?? null,
      latencyMs: h ? h.latencyMs : null,
      tools: h?.tools ?? null,
      error: h && !h.ok ? h.error : null,
      checkedAt: h ? h.checkedAt : null,
    };
  });
}

const BREAKER_LINE = /^edgehub_upstream_breaker_state\{server="((?:[^"\\]|\\.)*)"\}\s+([0-9.]+)\s*$/;

/** Breaker states from the metrics exposition (0 closed, 1 half-open, 2 open). */
export function breakerStates(metricsText: string): Map<string, BreakerState> {
  const out = new Map<string, BreakerState>();
  for (const line of metricsText.split('\n')) {
    const m = BREAKER_LINE.exec(line);
    if (!m) continue;
    const name = m[1].replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    out.set(name, m[2] === '2' ? 'open' : m[2] === '1' ? 'half-open' : 'closed');
  }
  return out;
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago". */
export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export const iso = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Audit detail as one short line of JSON, without empty lists (a change detail lists all five kinds). */
export function detailText(detail: unknown, max = 160): string {
  if (detail === null || detail === undefined) return '';
  const compact =
    typeof detail === 'object' && !Array.isArray(detail)
      ? Object.fromEntries(Object.entries(detail as Record<string, unknown>).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)))
      : detail;
  const s = typeof compact === 'string' ? compact : JSON.stringify(compact);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
