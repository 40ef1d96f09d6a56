/**
 * Builds the Gateway for one config snapshot: the hub mounts (meta tools under the config's
 * `self_prefix`, `hub` by default, with resources under `{self_prefix}://`; Magg's `proxy` tool
 * unprefixed), built-in servers, and upstream clients (reused across versions
 * through the pool, so a config change does not reconnect servers whose entry did not change).
 */
import { type ConfigSnapshot, effectivePrefix, prefixSep, selfPrefix, serverKind } from '../config/schema';
import { Gateway, type GatewayObserver, type Mount } from '../gateway/gateway';
import type { CallGuard } from '../gateway/guard';
import type { Provider } from '../gateway/provider';
import { HubProvider, type HubServices } from '../hub/provider';
import { hubStatus, markStarted } from '../hub/status';

export const HUB_SERVER = 'hub';
/** Sorts after every config server name, so a configured tool named `proxy` would win. */
export const PROXY_SERVER = '~proxy';
export const DEFAULT_LIST_TIMEOUT_MS = 10_000;

export interface GatewayDeps {
  /** The hub's prefix when the config sets no `self_prefix`. */
  hubPrefix: string;
  /** Returns the provider for a server entry, or an error string when it cannot be mounted. */
  provider(name: string, snapshot: ConfigSnapshot): Provider | string;
  /** Servers left out of this runtime (hub_check unmount) until the next config version. */
  excluded: ReadonlySet<string>;
  observer: GatewayObserver & { lastError(server: string): string | undefined };
  services: Omit<HubServices, 'status' | 'gateway'>;
  /** Tool integrity and policy for this snapshot (policy/guard.ts). */
  guard?(snapshot: ConfigSnapshot): CallGuard;
}

export function buildGateway(snapshot: ConfigSnapshot, deps: GatewayDeps): Gateway {
  markStarted();
  const mounts = new Map<string, Mount>();
  const unmountable = new Map<string, string>();
  let gateway: Gateway;
  const services: HubServices = { ...deps.services, status: () => status(), gateway: () => gateway, mount: (n) => mounts.get(n)?.provider };
  const status = () =>
    hubStatus({
      snapshot,
      mounts,
      unmountable,
      excluded: deps.excluded,
      lastError: (n) => deps.observer.lastError(n),
      health: () => deps.services.config().health(),
    });
  const names = { prefix: selfPrefix(snapshot.config, deps.hubPrefix), sep: prefixSep(snapshot.config) };
  mounts.set(HUB_SERVER, {
    provider: new HubProvider(HUB_SERVER, services, false, names),
    prefix: names.prefix,
    listTimeoutMs: DEFAULT_LIST_TIMEOUT_MS,
    uriScheme: `${names.prefix}://`,
    first: true,
    trusted: true,
  });
  mounts.set(PROXY_SERVER, {
    provider: new ProxyOnly(new HubProvider(PROXY_SERVER, services, true, names)),
    prefix: '',
    listTimeoutMs: DEFAULT_LIST_TIMEOUT_MS,
    trusted: true,
  });
  for (const [name, s] of Object.entries(snapshot.config.servers)) {
    if (s.enabled === false || deps.excluded.has(name)) continue;
    const p = deps.provider(name, snapshot);
    if (typeof p === 'string') {
      unmountable.set(name, p);
      continue;
    }
    const listTimeoutMs = s.transport?.list_timeout_ms ?? DEFAULT_LIST_TIMEOUT_MS;
    // Built-in servers are edgehub's own code: nothing to pin.
    mounts.set(name, { provider: p, prefix: effectivePrefix(name, s), listTimeoutMs, trusted: serverKind(s) === 'builtin' });
  }
  gateway = new Gateway(snapshot.version, mounts, deps.observer, names.sep, deps.guard?.(snapshot));
  return gateway;
}

/** Exposes only the hub's `proxy` tool (mounted without prefix). */
class ProxyOnly implements Provider {
  readonly name: string;
  constructor(private readonly hub: HubProvider) {
    this.name = hub.name;
  }
  async catalog() {
    const c = await this.hub.catalog();
    return { tools: c.tools.filter((t) => t.name === 'proxy'), resources: [], templates: [], prompts: [] };
  }
  callTool(...a: Parameters<Provider['callTool']>) {
    return this.hub.callTool(...a);
  }
}
