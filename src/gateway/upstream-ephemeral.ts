/**
 * A 2025 (sessionful) upstream used from a stateless Worker request: Workers forbid one request
 * from using I/O objects (streams, sockets) another request created, so a connection cannot be
 * pooled across requests in the isolate. Each operation connects, runs and closes; only the
 * catalog (plain data) is cached. Sessions (SessionDO) pool connections instead; 2026-capable
 * upstreams need no connection at all (ModernUpstream).
 */
import type { RequestContext } from '../mcp/context';
import type { Catalog, Json, Provider } from './provider';
import type { UpstreamProvider } from './upstream';

export class EphemeralUpstream implements Provider {
  readonly name: string;
  #catalog: Catalog | null = null;

  constructor(
    name: string,
    private readonly connect: () => UpstreamProvider,
  ) {
    this.name = name;
  }

  async #with<T>(op: (p: UpstreamProvider) => Promise<T>): Promise<T> {
    const p = this.connect();
    try {
      return await op(p);
    } finally {
      await p.close();
    }
  }

  async catalog(signal?: AbortSignal): Promise<Catalog> {
    this.#catalog ??= await this.#with((p) => p.catalog(signal));
    return this.#catalog;
  }
  invalidate(): void {
    this.#catalog = null;
  }
  callTool(ctx: RequestContext, name: string, args: Json) {
    return this.#with((p) => p.callTool(ctx, name, args));
  }
  readResource(ctx: RequestContext, uri: string) {
    return this.#with((p) => p.readResource(ctx, uri));
  }
  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>) {
    return this.#with((p) => p.getPrompt(ctx, name, args));
  }
  complete(ctx: RequestContext, params: Json) {
    return this.#with((p) => p.complete(ctx, params));
  }
}
