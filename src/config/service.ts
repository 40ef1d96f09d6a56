/**
 * The configuration service of one tenant (runs inside its ConfigDO, the single writer).
 *
 * Every change: compute the next config (changes.ts) → validate structure and prefixes → mount-check
 * servers that become enabled (connect + list, like Magg's "mount first, save only if it works")
 * → refuse exposed-name collisions → commit version N+1 with its audit row in one transaction
 * (check-and-set on the version: a stale writer gets a conflict, never a lost update) → push the
 * new version to every live session. A refused change writes exactly one failed audit row.
 */
import type { AuditRecord, ConfigStore } from '../storage/config-store';
import * as changes from './changes';
import { connectorOf } from './connector';
import defaultConfig from './default-config.json';
import { type ConfigWarning, parseConfig } from './parse';
import { deleteProfile, putProfile } from './profile-changes';
import { type ConfigSnapshot, type HubConfig, type ServerConfig, selfPrefix, serverKind } from './schema';
import { redactServer } from './secrets';

/** `note`: mountable but not ready (an OAuth upstream that needs authorization). */
export type MountCheck = (
  name: string,
  server: ServerConfig,
  timeoutMs?: number,
) => Promise<{ ok: true; tools: string[]; defs?: Record<string, unknown>[]; note?: string } | { ok: false; error: string }>;

/** Caps on live sessions (MAX_SESSIONS_PER_PRINCIPAL, MAX_SESSIONS_PER_TENANT). */
export interface SessionLimits {
  perPrincipal: number;
  perTenant: number;
  /** Registry rows unseen this long are stale (their session expired without unregistering). */
  idleTtlMs: number;
}

/** What registering a session did: `refused` (message), `gone` (evicted earlier), `evicted` (ids to end). */
export interface SessionAdmission {
  refused?: string;
  gone?: boolean;
  evicted?: string[];
}

export interface ChangeResult {
  ok: boolean;
  status: number;
  version: number;
  error?: string;
  field?: string;
  detail?: Record<string, unknown>;
  /** Unknown keys the change kept (parse.ts); in strict mode they refuse it instead. */
  warnings?: ConfigWarning[];
}

export interface ServiceDeps {
  hubPrefix: string;
  /** Per-tenant quotas (config/limits.ts); a change that would exceed one is refused with 413. */
  quotas?: { servers: number; configBytes: number };
  mountCheck: MountCheck;
  /** Called after each commit with the new version (fan-out to sessions and listen streams). */
  committed(snapshot: ConfigSnapshot): void;
  /** A check or health probe listed a server's tool definitions (pinning, policy/pin-service.ts). */
  listed?(server: string, defs: Record<string, unknown>[]): void;
}

export interface Actor {
  sub: string;
}

export class ConfigService {
  constructor(
    private readonly store: ConfigStore<HubConfig>,
    private readonly deps: ServiceDeps,
  ) {}

  snapshot(known: number): ConfigSnapshot | null {
    const cur = this.current();
    return cur.version === known ? null : cur;
  }

  current(): ConfigSnapshot {
    const cur = this.store.current();
    if (cur) return cur;
    const parsed = parseConfig(defaultConfig);
    if (!parsed.ok) throw new Error(`embedded default config is invalid: ${parsed.error}`);
    const seeded = this.store.commit(0, parsed.value, { actor: 'system', action: 'config.seed', ok: true, detail: { source: 'default-config.json' } });
    return seeded ?? this.store.current()!;
  }

  /** The config with every secret-bearing value redacted (for reads and exports), kits' servers included. */
  redacted(): { version: number; config: HubConfig } {
    const { version, config } = this.current();
    const servers = (m: Record<string, ServerConfig>) => Object.fromEntries(Object.entries(m).map(([n, s]) => [n, redactServer(s)]));
    const kits =
      config.kits && !Array.isArray(config.kits)
        ? Object.fromEntries(Object.entries(config.kits).map(([n, k]) => [n, k.servers ? { ...k, servers: servers(k.servers) } : k]))
        : config.kits;
    return { version, config: { ...config, servers: servers(config.servers), ...(kits !== undefined ? { kits } : {}) } };
  }

  addServer(actor: Actor, name: string, input: unknown, opts: { replace?: boolean; check?: boolean; strict?: boolean } = {}) {
    return this.#apply(actor, opts.replace ? 'server.put' : 'server.add', name, (c) => changes.addServer(c, name, input, opts.replace, opts), opts.check);
  }
  updateServer(actor: Actor, name: string, patch: unknown, check = true, strict = false) {
    return this.#apply(actor, 'server.update', name, (c) => changes.updateServer(c, name, patch, { strict }), check);
  }
  removeServer(actor: Actor, name: string) {
    return this.#apply(actor, 'server.remove', name, (c) => changes.removeServer(c, name));
  }
  setEnabled(actor: Actor, name: string, enabled: boolean, check = true) {
    return this.#apply(actor, enabled ? 'server.enable' : 'server.disable', name, (c) => changes.setEnabled(c, name, enabled), check);
  }
  putConfig(actor: Actor, input: unknown, ifMatch: number | undefined, check = true, strict = false) {
    return this.#apply(actor, 'config.put', null, () => changes.replaceConfig(input, { strict }), check, ifMatch);
  }
  putKit(actor: Actor, name: string, kit: unknown, strict = false) {
    return this.#apply(actor, 'kit.put', name, (c) => changes.putKit(c, name, kit, { strict }), false);
  }
  deleteKit(actor: Actor, name: string) {
    return this.#apply(actor, 'kit.delete', name, (c) => changes.deleteKit(c, name), false);
  }
  /** Profiles (config/profiles.ts) change no mount: versioned and announced without a mount check. */
  putProfile(actor: Actor, name: string, profile: unknown) {
    return this.#apply(actor, 'profile.put', name, (c) => putProfile(c, name, profile), false);
  }
  deleteProfile(actor: Actor, name: string) {
    return this.#apply(actor, 'profile.delete', name, (c) => deleteProfile(c, name), false);
  }
  loadKit(actor: Actor, name: string, enable = true, check = true) {
    return this.#apply(
      actor,
      'kit.load',
      name,
      (c) => {
        const r = changes.loadKit(c, name, enable);
        return r.ok ? { ok: true, config: r.config.config } : r;
      },
      check,
    );
  }
  unloadKit(actor: Actor, name: string) {
    return this.#apply(actor, 'kit.unload', name, (c) => {
      const r = changes.unloadKit(c, name);
      return r.ok ? { ok: true, config: r.config.config } : r;
    });
  }

  /** Runs the mount check for servers now (hub_check / POST /admin/api/check). */
  async check(names?: string[], timeoutMs?: number): Promise<Record<string, { ok: boolean; tools?: number; note?: string; error?: string; ms: number }>> {
    const cfg = this.current().config;
    const targets = (names?.length ? names : Object.keys(cfg.servers)).filter((n) => cfg.servers[n]);
    const out: Record<string, { ok: boolean; tools?: number; note?: string; error?: string; ms: number }> = {};
    await Promise.all(
      targets.map(async (n) => {
        const t0 = Date.now();
        const r = await this.deps.mountCheck(n, cfg.servers[n], timeoutMs);
        if (r.ok) this.store.saveCatalog(n, r.tools);
        if (r.ok && r.defs) this.deps.listed?.(n, r.defs);
        out[n] = r.ok
          ? { ok: true, tools: r.tools.length, ...(r.note ? { note: r.note } : {}), ms: Date.now() - t0 }
          : { ok: false, error: r.error, ms: Date.now() - t0 };
        this.store.saveHealth(n, out[n]);
      }),
    );
    return out;
  }

  /** Periodic cheap probe of every enabled upstream (health alarm). */
  probe(timeoutMs: number) {
    const cfg = this.current().config;
    // Connector-served entries report their state from the connector (hub_check still asks them).
    const targets = Object.keys(cfg.servers).filter((n) => cfg.servers[n].enabled !== false && mountable(cfg.servers[n]) && !connectorOf(cfg.servers[n]));
    return this.check(targets, timeoutMs);
  }

  health() {
    return this.store.health();
  }

  /** A connector reported its servers' states (no probe spawns processes for them). */
  connectorHealth(results: Record<string, { ok: boolean; error?: string }>): void {
    const servers = this.current().config.servers;
    for (const [n, r] of Object.entries(results)) if (servers[n]) this.store.saveHealth(n, { ok: r.ok, ms: 0, ...(r.error ? { error: r.error } : {}) });
  }

  audit(limit?: number, before?: number): AuditRecord[] {
    return this.store.audit(limit, before);
  }
  /**
   * Admits a new session or refreshes a live one (see SessionLimits). A new session over the
   * principal's cap evicts that principal's least recently seen sessions (returned, for the caller
   * to end); over the tenant's cap it is refused. A refresh of a session no longer registered
   * (evicted meanwhile) answers `gone`: the session must end, it is never re-admitted silently.
   */
  registerSession(id: string, sub: string, lane: string, opening: boolean, limits: SessionLimits): SessionAdmission {
    if (!this.store.hasSession(id)) {
      if (!opening) return { gone: true };
      this.store.pruneSessions(Date.now() - limits.idleTtlMs - 60_000);
      const total = this.store.countSessions();
      if (total >= limits.perTenant)
        return {
          refused: `this tenant has ${total} live sessions, the most it may hold (MAX_SESSIONS_PER_TENANT=${limits.perTenant}); end idle sessions with DELETE /mcp or wait for them to expire`,
        };
      const evicted: string[] = [];
      while (this.store.countSessions(sub) >= limits.perPrincipal) {
        const oldest = this.store.leastRecentSession(sub);
        if (!oldest) break;
        this.store.removeSession(oldest);
        evicted.push(oldest);
      }
      this.store.upsertSession(id, sub, lane);
      return { evicted };
    }
    this.store.upsertSession(id, sub, lane);
    return {};
  }
  unregisterSession(id: string): void {
    this.store.removeSession(id);
  }
  sessions() {
    return this.store.sessions();
  }
  hasSession(id: string): boolean {
    return this.store.hasSession(id);
  }

  /** A quota the change would newly exceed (a config already over a lowered quota may still shrink). */
  #overQuota(before: HubConfig, after: HubConfig): string | null {
    const q = this.deps.quotas;
    if (!q) return null;
    const n = Object.keys(after.servers).length;
    if (n > q.servers && n > Object.keys(before.servers).length)
      return `this tenant may hold at most ${q.servers} servers (MAX_SERVERS_PER_TENANT); the change would make ${n}: remove unused servers first`;
    const bytes = new TextEncoder().encode(JSON.stringify(after)).byteLength;
    if (bytes > q.configBytes && bytes > new TextEncoder().encode(JSON.stringify(before)).byteLength)
      return `the configuration would be ${bytes} bytes, over this tenant's ${q.configBytes} (MAX_CONFIG_BYTES): shorten notes or remove unused servers and kits`;
    return null;
  }

  async #apply(
    actor: Actor,
    action: string,
    target: string | null,
    change: (c: HubConfig) => changes.Change,
    check = true,
    ifMatch?: number,
  ): Promise<ChangeResult> {
    const base = this.current();
    let warnings: ConfigWarning[] = [];
    const fail = (status: number, error: string, field?: string): ChangeResult => {
      this.store.auditFailure({ actor: actor.sub, action, target: target ?? undefined, ok: false, detail: { error, field } });
      return { ok: false, status, version: base.version, error, field, ...(warnings.length ? { warnings } : {}) };
    };
    if (ifMatch !== undefined && ifMatch !== base.version)
      return fail(412, `config changed: you sent version ${ifMatch}, current is ${base.version}; re-read and retry`);
    const next = change(base.config);
    if (!next.ok) return fail(next.status, next.error, next.field);
    warnings = next.warnings ?? [];
    const valid = changes.validate(next.config, selfPrefix(next.config, this.deps.hubPrefix));
    if (!valid.ok) return fail(valid.status, valid.error, valid.field);
    const overQuota = this.#overQuota(base.config, next.config);
    if (overQuota) return fail(413, overQuota);
    const d = changes.diff(base.config, next.config);
    // Mount first, save only if it works. Connector-served entries (stdio) are saved unchecked:
    // their machine may be offline now ("waiting for connector"), which is allowed. Magg's entries
    // with only a `source` are kept as notMountable so a Magg config round-trips.
    const catalogs = this.store.catalogs();
    if (check) {
      const toCheck = [...d.update, ...d.enable, ...d.add].filter((n) => {
        const s = next.config.servers[n];
        // A single server with neither uri nor command is still checked: the check says what is missing.
        return s.enabled !== false && !connectorOf(s) && (mountable(s) || action.startsWith('server.'));
      });
      const results = await Promise.all(toCheck.map(async (n) => [n, await this.deps.mountCheck(n, next.config.servers[n])] as const));
      for (const [n, r] of results) {
        if (!r.ok) return fail(422, `mounting '${n}' failed: ${r.error}`, `servers.${n}`);
        catalogs.set(n, r.tools);
      }
      const clash = changes.collisions(next.config, catalogs, selfPrefix(next.config, this.deps.hubPrefix));
      if (clash) return fail(409, clash);
    }
    const viaConnector = Object.entries(next.config.servers)
      .filter(([, s]) => connectorOf(s))
      .map(([n]) => n);
    const notMountable = Object.entries(next.config.servers)
      .filter(([, s]) => !mountable(s) && !connectorOf(s))
      .map(([n]) => n);
    const detail = { ...d, ...(viaConnector.length ? { viaConnector } : {}), ...(notMountable.length ? { notMountable } : {}) };
    // Mount checks awaited I/O: another change may have landed meanwhile. Check-and-set.
    const committed = this.store.commit(base.version, next.config, { actor: actor.sub, action, target: target ?? undefined, ok: true, detail });
    if (!committed) return fail(ifMatch !== undefined ? 412 : 409, 'another change landed while this one was being checked; re-read and retry');
    for (const [n, tools] of catalogs) if (next.config.servers[n]) this.store.saveCatalog(n, tools);
    this.deps.committed(committed);
    return { ok: true, status: 200, version: committed.version, detail, ...(warnings.length ? { warnings } : {}) };
  }
}

/** stdio entries (run by connectors) and entries with neither uri nor command are not mounted by the edge. */
function mountable(s: ServerConfig): boolean {
  const kind = serverKind(s);
  return kind !== 'stdio' && kind !== 'invalid';
}
