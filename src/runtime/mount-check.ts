/**
 * Mount check used by the ConfigDO before saving a change: builds the server's provider exactly as
 * a session would (same factories, SSRF guard, secrets), lists its catalog under the server's
 * timeouts, and closes it. Nothing is kept.
 */
import type { ResolvedSecrets, ServerConfig } from '../config/schema';
import type { MountCheck } from '../config/service';
import type { Json } from '../gateway/provider';
import type { DownstreamSink } from '../gateway/upstream';
import { isNeedsAuthorization } from '../gateway/upstream-oauth';
import { connectorFactory } from './connector-upstreams';
import { providerPool } from './providers';
import { timeouts, upstreamFactory } from './upstreams';

const quietSink: DownstreamSink = {
  notify: () => {},
  request: () => Promise.reject(new Error('no client during a mount check')),
  catalogChanged: () => {},
  resourceUpdated: () => {},
  clientCapabilities: (): Json => ({}),
};

/** `secretsFor`: the tenant's values for the names `server` references (an unresolvable one fails the check before any request). */
export function mountChecker(env: Env, tenant: string, secretsFor: (server: ServerConfig) => Promise<ResolvedSecrets>): MountCheck {
  return async (name, server, timeoutMs) => {
    const pool = providerPool(env, tenant)
      .register('http', upstreamFactory(env, quietSink))
      .register('sse', upstreamFactory(env, quietSink))
      .register('connector', connectorFactory(env, tenant, quietSink));
    const provider = pool.get(name, server, await secretsFor(server));
    if (typeof provider === 'string') return { ok: false, error: provider };
    const t = timeouts(server);
    const limit = timeoutMs ?? t.connect + t.list;
    let timer: ReturnType<typeof setTimeout> | null = null;
    try {
      const catalog = await Promise.race([
        provider.catalog(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit))),
      ]);
      return { ok: true, tools: catalog.tools.map((t) => t.name), defs: catalog.tools };
    } catch (e) {
      // An OAuth upstream nobody has signed in to yet is mountable: saved, listed once someone does.
      if (isNeedsAuthorization(e)) return { ok: true, tools: [], note: (e as Error).message };
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      if (timer) clearTimeout(timer);
      pool.retain(new Set());
    }
  };
}
