/**
 * The factory for upstream servers of one runtime. Sessions (legacy lane) get a sessionful client;
 * the modern lane gets a hybrid that forwards statelessly to 2026-capable upstreams.
 */

import { type ServerConfig, serverKind } from '../config/schema';
import { resolveSecrets } from '../config/secrets';
import { Breaker } from '../gateway/breaker';
import { detectingOAuth } from '../gateway/oauth-detect';
import type { Provider } from '../gateway/provider';
import type { ProviderFactory } from '../gateway/providers';
import { type DownstreamSink, UpstreamProvider } from '../gateway/upstream';
import { EphemeralUpstream } from '../gateway/upstream-ephemeral';
import { HybridUpstream } from '../gateway/upstream-hybrid';
import { ModernUpstream } from '../gateway/upstream-modern';
import { OAuthUpstream } from '../gateway/upstream-oauth';
import { checkUrl, guardedFetch } from '../net/ssrf';
import type { Recorder } from '../observability/metrics';
import { tracedFetch } from '../observability/trace';
import { vaultGrants } from '../vault/client';
import { vaultKeyProblem } from '../vault/keys';
import { upstreamAuth } from '../vault/spec';

export const DEFAULT_TIMEOUTS = { connect: 10_000, call: 60_000, list: 10_000 } as const;

export function timeouts(server: ServerConfig) {
  const t = server.transport ?? {};
  return {
    connect: t.connect_timeout_ms ?? DEFAULT_TIMEOUTS.connect,
    call: t.call_timeout_ms ?? (t.timeout ? t.timeout * 1000 : DEFAULT_TIMEOUTS.call),
    list: t.list_timeout_ms ?? DEFAULT_TIMEOUTS.list,
  };
}

export const DEFAULT_BREAKER = { failures: 5, cooldownMs: 30_000 } as const;

/** One breaker per provider, with the entry's settings. */
export function breakerOf(name: string, server: ServerConfig): Breaker {
  const tr = server.transport ?? {};
  return new Breaker(name, {
    failures: tr.breaker_failures ?? DEFAULT_BREAKER.failures,
    cooldownMs: tr.breaker_cooldown_ms ?? DEFAULT_BREAKER.cooldownMs,
  });
}

/** `principal`: the session's subject (legacy lane); OAuth upstreams then list with its own grant. */
export function upstreamFactory(
  env: Env,
  sink: DownstreamSink,
  lane: 'legacy' | 'modern' = 'legacy',
  recorder?: Recorder,
  principal?: string,
): ProviderFactory {
  const allowPrivate = env.ALLOW_PRIVATE_UPSTREAMS === 'true';
  // Every upstream request carries the current request's trace context (edgehub's span as parent).
  const fetcher = tracedFetch(guardedFetch(allowPrivate));
  return (name, server, secrets) => {
    try {
      const breaker = breakerOf(name, server);
      checkUrl(server.uri ?? '', allowPrivate);
      const t = timeouts(server);
      // Never the Worker env directly: the ConfigDO resolved what this tenant may use.
      const headers = resolveSecrets(server.transport?.headers, secrets);
      const kind = serverKind(server) === 'sse' ? 'sse' : 'http';
      const legacyOf = (fetch = fetcher) =>
        new UpstreamProvider({
          name,
          breaker,
          recorder,
          url: server.uri!,
          kind,
          headers,
          connectTimeoutMs: t.connect,
          callTimeoutMs: t.call,
          listTimeoutMs: t.list,
          sink,
          fetch,
        });
      const build = (fetch: typeof globalThis.fetch): Provider => {
        if (lane === 'legacy') return legacyOf(fetch);
        // Modern lane in the Worker isolate: no connection may outlive its request.
        const legacy = new EphemeralUpstream(name, () => legacyOf(fetch));
        if (kind === 'sse') return legacy;
        const modern = new ModernUpstream({ name, breaker, recorder, url: server.uri!, headers, callTimeoutMs: t.call, listTimeoutMs: t.list, fetch });
        return new HybridUpstream(modern, legacy);
      };
      const auth = upstreamAuth(server, secrets);
      if (!auth) return build(detectingOAuth(fetcher, name));
      // OAuth upstreams (src/vault/): a connection per principal, each with its own grant.
      const problem = vaultKeyProblem(env);
      if (problem) return problem;
      if (!secrets?.tenant) return 'OAuth upstreams need the tenant of the configuration';
      const grants = vaultGrants(env, secrets.tenant, { ...auth, server: name, resource: server.uri! });
      return new OAuthUpstream({ name, grants, build, base: fetcher, principal });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
}
