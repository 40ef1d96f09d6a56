/**
 * While a tenant has 2026 `subscriptions/listen` streams open, its ConfigDO keeps one sessionful
 * connection to each enabled upstream so their `list_changed` notifications (which stateless
 * requests cannot receive) reach those streams. Connections close when the last stream closes.
 */
import type { ConfigSnapshot } from '../config/schema';
import type { Json } from '../gateway/provider';
import type { DownstreamSink } from '../gateway/upstream';
import type { ListKind } from '../mcp/protocol';
import { log } from '../observability/log';
import { providerPool } from './providers';
import { upstreamFactory } from './upstreams';

export class UpstreamWatch {
  #pool: ReturnType<typeof providerPool> | null = null;

  constructor(
    private readonly env: Env,
    private readonly tenant: string,
    private readonly changed: (kinds: ListKind[]) => void,
  ) {}

  /** Connects to every enabled upstream of `snapshot` (with its secrets attached; idempotent; drops removed ones). */
  ensure(snapshot: ConfigSnapshot): void {
    if (!this.#pool) {
      const sink: DownstreamSink = {
        notify: () => {},
        request: () => Promise.reject(new Error('no client on a watch connection')),
        catalogChanged: (_server, kinds) => this.changed(kinds),
        resourceUpdated: () => {},
        clientCapabilities: (): Json => ({}),
      };
      const factory = upstreamFactory(this.env, sink);
      this.#pool = providerPool(this.env, this.tenant).register('http', factory).register('sse', factory);
    }
    const servers = snapshot.config.servers;
    const enabled = Object.keys(servers).filter((n) => servers[n].enabled !== false && servers[n].uri?.startsWith('http'));
    this.#pool.retain(new Set(enabled));
    for (const name of enabled) {
      const p = this.#pool.get(name, servers[name], snapshot.secrets);
      if (typeof p !== 'string') p.catalog().catch((e) => log.warn('watch connection failed', { tenant: this.tenant, upstream: name, error: e }));
    }
  }

  stop(): void {
    this.#pool?.retain(new Set());
  }
}
