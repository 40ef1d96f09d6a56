/**
 * Provider factory and pool: turns a server entry into a Provider, reusing the existing one when
 * the entry did not change between config versions (connections survive unrelated changes).
 */

import { connectorOf } from '../config/connector';
import type { ResolvedSecrets } from '../config/schema';
import { type ServerConfig, STDIO_REFUSAL, serverKind } from '../config/schema';
import { secretsKey } from '../config/secrets';
import type { Provider } from './provider';

/** `connector`: a stdio entry run by a connector machine (config/connector.ts). */
export type ProviderKind = 'builtin' | 'http' | 'sse' | 'connector';
/** `secrets`: the values the tenant's config references (from the ConfigDO); the only source of `${NAME}`. */
export type ProviderFactory = (name: string, server: ServerConfig, secrets?: ResolvedSecrets) => Provider | string;

export { STDIO_REFUSAL } from '../config/schema';

/** What a connection depends on: a change of prefix, notes, kits or enabled keeps the connection. */
export function connectionKey(s: ServerConfig): string {
  return JSON.stringify([s.uri ?? null, s.command ?? null, s.args ?? null, s.env ?? null, s.cwd ?? null, s.transport ?? null]);
}

export class ProviderPool {
  #entries = new Map<string, { key: string; provider: Provider | string }>();

  constructor(private readonly factories: Partial<Record<ProviderKind, ProviderFactory>>) {}

  /** Adds or replaces the factory for one kind of server. */
  register(kind: ProviderKind, factory: ProviderFactory): this {
    this.factories[kind] = factory;
    return this;
  }

  /** Live providers by server name (for status, log-level fan-out, roots changes). */
  providers(): Provider[] {
    return [...this.#entries.values()].map((e) => e.provider).filter((p): p is Provider => typeof p !== 'string');
  }

  get(name: string, server: ServerConfig, secrets?: ResolvedSecrets): Provider | string {
    // A rotated or removed secret the entry uses rebuilds the connection, like an edited entry.
    const key = connectionKey(server) + secretsKey(server, secrets);
    const hit = this.#entries.get(name);
    if (hit && hit.key === key) return hit.provider;
    if (hit && typeof hit.provider !== 'string') void hit.provider.close?.();
    const provider = this.#create(name, server, secrets);
    this.#entries.set(name, { key, provider });
    return provider;
  }

  /** Closes and forgets these servers' providers (the next use reconnects). */
  drop(names: string[]): void {
    for (const n of names) {
      const e = this.#entries.get(n);
      if (e && typeof e.provider !== 'string') void e.provider.close?.();
      this.#entries.delete(n);
    }
  }

  /** Closes providers whose server is no longer in `keep`. */
  retain(keep: Set<string>): void {
    for (const [name, e] of this.#entries) {
      if (keep.has(name)) continue;
      if (typeof e.provider !== 'string') void e.provider.close?.();
      this.#entries.delete(name);
    }
  }

  #create(name: string, server: ServerConfig, secrets?: ResolvedSecrets): Provider | string {
    const kind = connectorOf(server) ? 'connector' : serverKind(server);
    if (kind === 'stdio') return STDIO_REFUSAL;
    if (kind === 'invalid') return 'server has neither uri nor command';
    const factory = this.factories[kind];
    if (!factory) return `${kind} servers are not available in this build`;
    return factory(name, server, secrets);
  }
}
