/**
 * Builds the Gateway for one config snapshot: the hub mount, built-in servers, and upstream
 * clients (reused across versions through the pool, so a config change does not reconnect
 * servers whose entry did not change).
 */
import { effectivePrefix, serverKind, type ConfigSnapshot } from '../config/schema';
import { HubProvider, type HubStatus, type ServerStatus } from '../hub/provider';
import { SERVER_VERSION } from '../mcp/server-info';
import { Gateway, type GatewayObserver, type Mount } from './gateway';
import type { Provider } from './provider';

export const HUB_SERVER = 'hub';
export const DEFAULT_LIST_TIMEOUT_MS = 10_000;
// Workers freeze Date.now() at 0 during module init: take the start time on first use.
let startedAt = 0;

export interface GatewayDeps {
  hubPrefix: string;
  /** Returns the provider for a server entry, or an error string when it cannot be mounted. */
  provider(name: string, snapshot: ConfigSnapshot): Provider | string;
  observer: GatewayObserver & { lastError(server: string): string | undefined };
}

export function buildGateway(snapshot: ConfigSnapshot, deps: GatewayDeps): Gateway {
  startedAt ||= Date.now();
  const mounts = new Map<string, Mount>();
  const unmountable = new Map<string, string>();
  const statusOf = async (): Promise<HubStatus> => {
    const servers: ServerStatus[] = [];
    for (const [name, s] of Object.entries(snapshot.config.servers)) {
      const enabled = s.enabled !== false;
      const mount = mounts.get(name);
      let tools = 0;
      let error = unmountable.get(name) ?? deps.observer.lastError(name);
      if (mount) {
        try {
          tools = (await mount.provider.catalog()).tools.length;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const state: ServerStatus['state'] = !enabled ? 'disabled' : unmountable.has(name) ? 'unmountable' : error ? 'failing' : 'ok';
      servers.push({ name, prefix: effectivePrefix(name, s), kind: serverKind(s), enabled, state, tools, ...(error && enabled ? { error } : {}) });
    }
    return {
      version: SERVER_VERSION,
      configVersion: snapshot.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      servers,
      totals: { servers: servers.length, mounted: mounts.size, tools: servers.reduce((n, s) => n + s.tools, 0) },
    };
  };
  mounts.set(HUB_SERVER, {
    provider: new HubProvider(HUB_SERVER, { status: statusOf }),
    prefix: deps.hubPrefix,
    listTimeoutMs: DEFAULT_LIST_TIMEOUT_MS,
  });
  for (const [name, s] of Object.entries(snapshot.config.servers)) {
    if (s.enabled === false) continue;
    const p = deps.provider(name, snapshot);
    if (typeof p === 'string') {
      unmountable.set(name, p);
      continue;
    }
    mounts.set(name, { provider: p, prefix: effectivePrefix(name, s), listTimeoutMs: s.transport?.list_timeout_ms ?? DEFAULT_LIST_TIMEOUT_MS });
  }
  return new Gateway(snapshot.version, mounts, deps.observer);
}

