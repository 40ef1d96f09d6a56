/**
 * The gateway runtime of one tenant inside one isolate/DO: holds the newest config snapshot it
 * knows, the Gateway built for it, and the provider pool. Requests call `gateway()` once and keep
 * the returned Gateway to the end (one version per request).
 *
 * Freshness without a Config DO round trip per call: the snapshot is refreshed when pushed
 * (`configChanged`) or when older than REFRESH_MS; if the Config DO is unreachable the last
 * snapshot keeps serving.
 */
import type { ConfigSnapshot } from '../config/schema';
import { log } from '../observability/log';
import { buildGateway } from './build';
import type { Gateway, GatewayObserver } from './gateway';
import { ProviderPool } from './providers';

export const REFRESH_MS = 30_000;

export interface SnapshotSource {
  /** The newest snapshot, or null when `known` is already the newest version. */
  snapshot(known: number): Promise<ConfigSnapshot | null>;
}

export class GatewayRuntime implements GatewayObserver {
  #snapshot: ConfigSnapshot | null = null;
  #gateway: Gateway | null = null;
  #checkedAt = 0;
  #refreshing: Promise<void> | null = null;
  #errors = new Map<string, string>();

  constructor(
    private readonly source: SnapshotSource,
    private readonly pool: ProviderPool,
    private readonly hubPrefix = 'hub',
  ) {}

  get version(): number {
    return this.#snapshot?.version ?? 0;
  }

  /** The gateway for the newest version known, without refreshing (null before the first load). */
  get currentGateway(): Gateway | null {
    return this.#gateway;
  }

  /** An upstream's catalog changed: rebuild the merged view on next use. */
  invalidate(): void {
    this.#gateway?.invalidate();
  }

  async gateway(): Promise<Gateway> {
    if (!this.#gateway || Date.now() - this.#checkedAt > REFRESH_MS) await this.refresh();
    if (!this.#gateway) throw new Error('no configuration available');
    return this.#gateway;
  }

  /** Re-reads the snapshot if `version` is newer than ours (or unconditionally without one). */
  async configChanged(version?: number): Promise<boolean> {
    if (version !== undefined && version <= this.version) return false;
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
      const next = await this.source.snapshot(this.version);
      this.#checkedAt = Date.now();
      if (next && next.version !== this.version) this.#install(next);
    } catch (e) {
      if (!this.#snapshot) throw e;
      log.warn('config refresh failed; serving last known version', { version: this.version, error: e });
      this.#checkedAt = Date.now();
    }
  }

  #install(snapshot: ConfigSnapshot): void {
    const names = new Set(Object.keys(snapshot.config.servers).filter((n) => snapshot.config.servers[n].enabled !== false));
    this.pool.retain(names);
    this.#snapshot = snapshot;
    this.#gateway = buildGateway(snapshot, {
      hubPrefix: this.hubPrefix,
      provider: (name) => this.pool.get(name, snapshot.config.servers[name]),
      observer: this,
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
