/**
 * `hub_status`: what this runtime has mounted for one config version, each server's state, tool
 * count, last error and last health probe (the ConfigDO's alarm results). Computed on request
 * from the gateway's mounts; it answers even when the ConfigDO is unreachable.
 */
import { connectorOf } from '../config/connector';
import { type ConfigSnapshot, effectivePrefix, serverKind } from '../config/schema';
import { connectorStateOf } from '../gateway/connector-transport';
import type { Provider } from '../gateway/provider';
import { SERVER_VERSION } from '../mcp/server-info';

export interface ServerStatus {
  name: string;
  prefix: string;
  kind: string;
  enabled: boolean;
  /** `waiting`: its connector is offline; `crash-looping`: its process keeps exiting (connector). */
  state: 'ok' | 'failing' | 'disabled' | 'unmountable' | 'excluded' | 'waiting' | 'crash-looping' | 'needs-authorization';
  /** OAuth upstreams: whose grant it needs (`user`: each caller's own, hub_connect; `shared`: an admin's). */
  auth?: { mode: 'user' | 'shared'; state: string; needs?: string };
  /** The connector that serves it (stdio entries, and http(s) ones naming a connector). */
  connector?: string;
  tools: number;
  error?: string;
  /** Last health probe (alarm or hub_check). */
  health?: { ok: boolean; latencyMs: number; checkedAt: string; error?: string };
}

export interface HubStatus {
  version: string;
  configVersion: number;
  uptimeSeconds: number;
  servers: ServerStatus[];
  totals: { servers: number; mounted: number; tools: number };
}

export interface StatusInput {
  snapshot: ConfigSnapshot;
  mounts: ReadonlyMap<string, { provider: Provider }>;
  /** Enabled servers that could not be mounted, with the reason. */
  unmountable: ReadonlyMap<string, string>;
  excluded: ReadonlySet<string>;
  lastError(server: string): string | undefined;
  health(): Promise<{ server: string; ok: boolean; latencyMs: number; error: string | null; checkedAt: number }[]>;
}

// Workers freeze Date.now() at 0 during module init: take the start time on first use.
let startedAt = 0;

/** Marks the isolate's start (the first gateway built) for `uptimeSeconds`. */
export function markStarted(): void {
  startedAt ||= Date.now();
}

export async function hubStatus(i: StatusInput): Promise<HubStatus> {
  const servers: ServerStatus[] = [];
  const probes = new Map((await i.health().catch(() => [])).map((h) => [h.server, h]));
  for (const [name, s] of Object.entries(i.snapshot.config.servers)) {
    const enabled = s.enabled !== false;
    const mount = i.mounts.get(name);
    let tools = 0;
    let error = i.unmountable.get(name) ?? i.lastError(name);
    if (mount) {
      try {
        tools = (await mount.provider.catalog()).tools.length;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    const auth = mount?.provider.authStatus?.();
    const state: ServerStatus['state'] = !enabled
      ? 'disabled'
      : i.excluded.has(name)
        ? 'excluded'
        : i.unmountable.has(name)
          ? 'unmountable'
          : auth?.state === 'needs-authorization'
            ? 'needs-authorization'
            : error
              ? (connectorStateOf(error) ?? 'failing')
              : 'ok';
    const probe = probes.get(name);
    servers.push({
      name,
      prefix: effectivePrefix(name, s),
      kind: serverKind(s),
      ...(connectorOf(s) ? { connector: connectorOf(s) as string } : {}),
      enabled,
      state,
      tools,
      ...(auth ? { auth } : {}),
      ...(error && enabled ? { error } : {}),
      ...(probe
        ? {
            health: {
              ok: probe.ok,
              latencyMs: probe.latencyMs,
              checkedAt: new Date(probe.checkedAt).toISOString(),
              ...(probe.error ? { error: probe.error } : {}),
            },
          }
        : {}),
    });
  }
  return {
    version: SERVER_VERSION,
    configVersion: i.snapshot.version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    servers,
    totals: {
      servers: servers.length,
      mounted: servers.filter((x) => x.state === 'ok' || x.state === 'failing').length,
      tools: servers.reduce((n, x) => n + x.tools, 0),
    },
  };
}
