/**
 * The gateway runtime of one tenant inside one isolate/DO: holds the newest config snapshot it
 * knows, the Gateway built for it, and the provider pool. Requests call `gateway()` once and keep
 * the returned Gateway to the end (one version per request).
 *
 * Freshness without a Config DO round trip per call: the snapshot is refreshed when pushed
 * (`configChanged`: Session DOs get pushes from the Config DO) or when older than REFRESH_MS; if
 * the Config DO is unreachable the last snapshot keeps serving. A Worker isolate (modern lane)
 * gets no pushes, so it asks for tighter bounds (`gateway(opts)`): lists wait for a snapshot at
 * most FRESH_MS old, calls revalidate in the background past FRESH_MS, and a name the snapshot
 * does not know triggers `recheck()` before it is refused. Each check is one conditional read
 * (`snapshot(knownVersion)` returns nothing when unchanged), coalesced per runtime.
 */
import type { ConfigApi } from '../config/api';
import { connectorOf } from '../config/connector';
import type { ConfigSnapshot, SnapshotText } from '../config/schema';
import type { Gateway, GatewayObserver } from '../gateway/gateway';
import type { CallGuard } from '../gateway/guard';
import type { ProviderPool } from '../gateway/providers';
import { log } from '../observability/log';
import type { TrustApi } from '../policy/api';
import { buildGateway } from './build-gateway';

export const REFRESH_MS = 30_000;
/** Modern lane: the most a list's snapshot may lag (then checked before serving). */
export const FRESH_MS = 1_000;
/** Modern lane: unknown-name rechecks are at most this often. */
export const RECHECK_MIN_MS = 200;

export interface FreshnessOptions {
  /** Wait for a check when the snapshot was checked longer ago than this (default REFRESH_MS). */
  maxAgeMs?: number;
  /** Past FRESH_MS, check in the background (the request is served from the current snapshot). */
  revalidate?: (p: Promise<unknown>) => void;
}

export class GatewayRuntime implements GatewayObserver {
  #snapshot: ConfigSnapshot | null = null;
  /** A pushed snapshot not built yet: a fan-out costs each session no gateway build (next use does). */
  #pending: ConfigSnapshot | SnapshotText | null = null;
  #gateway: Gateway | null = null;
  #checkedAt = 0;
  #refreshing: Promise<void> | null = null;
  #errors = new Map<string, string>();
  #excluded = new Set<string>();

  constructor(
    /** A fresh ConfigDO stub per use: Worker isolates may not reuse one request's stub in another. */
    private readonly config: () => ConfigApi,
    private readonly pool: ProviderPool,
    private readonly opts: {
      /**
       * No pushes reach this runtime (a Worker isolate): a change made through its own hub tools is
       * applied at once. With pushes (Session DOs) the push applies it, and tells the client.
       */
      unpushed?: boolean;
      hubPrefix?: string;
      /** Tool integrity and policy, built once per config version (policy/guard.ts). */
      guard?: (snapshot: ConfigSnapshot) => CallGuard;
      /** The tenant's pins and parked calls (hub trust tools). */
      trust?: () => TrustApi;
    } = {},
  ) {}

  get version(): number {
    return this.#pending?.version ?? this.#snapshot?.version ?? 0;
  }

  /** The snapshot the current gateway was built from (null before the first load). */
  get snapshot(): ConfigSnapshot | null {
    this.#applyPending();
    return this.#snapshot;
  }

  /** The gateway for the newest version known, without refreshing (null before the first load). */
  get currentGateway(): Gateway | null {
    this.#applyPending();
    return this.#gateway;
  }

  #applyPending(): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = null;
    this.#excluded.clear();
    this.#install('text' in p ? (JSON.parse(p.text) as ConfigSnapshot) : p);
  }

  /** An upstream's catalog changed: rebuild the merged view on next use. */
  invalidate(): void {
    this.#gateway?.invalidate();
  }

  async gateway(opts: FreshnessOptions = {}): Promise<Gateway> {
    this.#applyPending();
    const age = Date.now() - this.#checkedAt;
    if (!this.#gateway || age > (opts.maxAgeMs ?? REFRESH_MS)) await this.refresh();
    else if (opts.revalidate && age > FRESH_MS) opts.revalidate(this.refresh());
    if (!this.#gateway) throw new Error('no configuration available');
    return this.#gateway;
  }

  /** A request named something this snapshot lacks: check for a newer version (true if it moved). */
  async recheck(): Promise<boolean> {
    if (Date.now() - this.#checkedAt < RECHECK_MIN_MS && !this.#refreshing) return false;
    const before = this.version;
    await this.refresh();
    return this.version !== before;
  }

  /**
   * A connector came or went: the servers it runs reconnect on next use (new providers, fresh
   * breakers). True when this runtime's config has any.
   */
  connectorChanged(connector: string): boolean {
    this.#applyPending();
    const snapshot = this.#snapshot;
    if (!snapshot) return false;
    const names = Object.keys(snapshot.config.servers).filter((n) => connectorOf(snapshot.config.servers[n]) === connector);
    if (!names.length) return false;
    this.pool.drop(names);
    this.#install(snapshot);
    return true;
  }

  /** These servers reconnect on next use (an upstream grant changed). True when the config has any. */
  serversChanged(names: string[]): boolean {
    const snapshot = this.#snapshot;
    const mine = names.filter((n) => snapshot?.config.servers[n]);
    if (!snapshot || !mine.length) return false;
    this.pool.drop(mine);
    this.#install(snapshot);
    return true;
  }

  /**
   * Moves to `version` if it is newer than ours: installs `pushed` when the push carried it (no
   * Config DO read), else re-reads. Returns true when it moved.
   */
  async configChanged(version?: number, pushed?: ConfigSnapshot | SnapshotText): Promise<boolean> {
    if (version !== undefined && version <= this.version) return false;
    if (pushed && pushed.version === version) {
      this.#checkedAt = Date.now();
      this.#pending = pushed;
      return true;
    }
    const before = this.version;
    await this.refresh();
    return this.version !== before;
  }

  refresh(): Promise<void> {
    this.#refreshing ??= this.#doRefresh().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #doRefresh(): Promise<void> {
    try {
      const next = await this.config().snapshot(this.version);
      this.#checkedAt = Date.now();
      // `>`: a push may have installed a newer version while this read was in flight.
      if (next && next.version > this.version) {
        this.#pending = null;
        this.#excluded.clear();
        this.#install(next);
      }
    } catch (e) {
      if (!this.#snapshot) throw e;
      log.warn('config refresh failed; serving last known version', { version: this.version, error: e });
      this.#checkedAt = Date.now();
    }
  }

  #install(snapshot: ConfigSnapshot): void {
    const servers = snapshot.config.servers;
    // Servers whose pins or quarantines moved relist: a definition an upstream changed behind a
    // cached catalog is then seen (and vetted) here too.
    const moved = trustMoved(this.#snapshot, snapshot);
    if (moved.size) for (const p of this.pool.providers()) if (moved.has(p.name)) p.invalidate?.();
    this.pool.retain(new Set(Object.keys(servers).filter((n) => servers[n].enabled !== false && !this.#excluded.has(n))));
    this.#snapshot = snapshot;
    this.#gateway = buildGateway(snapshot, {
      hubPrefix: this.opts.hubPrefix ?? 'hub',
      provider: (name) => this.pool.get(name, servers[name], snapshot.secrets),
      excluded: this.#excluded,
      observer: this,
      guard: this.opts.guard,
      services: {
        config: () => this.config(),
        trust: this.opts.trust,
        committed: async (version) => (this.opts.unpushed ? this.configChanged(version) : false),
        reload: async () => {
          for (const p of this.pool.providers()) p.invalidate?.();
          this.#checkedAt = 0;
          await this.refresh();
          this.#gateway?.invalidate();
          return { version: this.version };
        },
        reconnect: (names) => {
          this.pool.drop(names);
          this.#install(snapshot);
        },
        exclude: (names) => {
          for (const n of names) this.#excluded.add(n);
          this.#install(snapshot);
        },
      },
    });
  }

  listFailed(server: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#errors.set(server, message);
    log.warn('upstream list failed', { upstream: server, error: message });
  }

  listSucceeded(server: string): void {
    this.#errors.delete(server);
  }

  lastError(server: string): string | undefined {
    return this.#errors.get(server);
  }
}

/**
 * Servers whose quarantines changed or whose pinned hashes changed or went away between two
 * snapshots. Pins only added (first mount, trust "auto") came from the catalog already cached.
 */
function trustMoved(before: ConfigSnapshot | null, after: ConfigSnapshot): Set<string> {
  const moved = new Set<string>();
  if (!before?.trust || !after.trust) return moved;
  const [qa, qb] = [before.trust.quarantined, after.trust.quarantined];
  for (const server of new Set([...Object.keys(qa), ...Object.keys(qb)])) if (JSON.stringify(qa[server]) !== JSON.stringify(qb[server])) moved.add(server);
  for (const [server, pins] of Object.entries(before.trust.pins))
    for (const [tool, hash] of Object.entries(pins)) if (after.trust.pins[server]?.[tool] !== hash) moved.add(server);
  return moved;
}
