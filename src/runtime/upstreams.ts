/** The factory for upstream servers (Streamable HTTP and legacy SSE) of one runtime. */
import { resolveSecrets } from '../config/secrets';
import { serverKind } from '../config/schema';
import type { ProviderFactory } from '../gateway/providers';
import { checkUrl, guardedFetch } from '../gateway/ssrf';
import { UpstreamProvider, type DownstreamSink } from '../gateway/upstream';

export const DEFAULT_TIMEOUTS = { connect: 10_000, call: 60_000, list: 10_000 } as const;

export function upstreamFactory(env: Env, sink: DownstreamSink): ProviderFactory {
  const allowPrivate = env.ALLOW_PRIVATE_UPSTREAMS === 'true';
  const fetcher = guardedFetch(allowPrivate);
  return (name, server) => {
    try {
      checkUrl(server.uri ?? '', allowPrivate);
      const t = server.transport ?? {};
      return new UpstreamProvider({
        name,
        url: server.uri!,
        kind: serverKind(server) === 'sse' ? 'sse' : 'http',
        headers: resolveSecrets(t.headers, env),
        connectTimeoutMs: t.connect_timeout_ms ?? DEFAULT_TIMEOUTS.connect,
        callTimeoutMs: t.call_timeout_ms ?? (t.timeout ? t.timeout * 1000 : DEFAULT_TIMEOUTS.call),
        listTimeoutMs: t.list_timeout_ms ?? DEFAULT_TIMEOUTS.list,
        sink,
        fetch: fetcher,
      });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
}
