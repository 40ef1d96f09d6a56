/**
 * An upstream as seen from the stateless 2026-07-28 lane: if the server speaks 2026-07-28
 * (server/discover), requests are forwarded statelessly (ModernUpstream, MRTR passes through);
 * otherwise a 2025 sessionful client serves them (EphemeralUpstream in the Worker). Decided once per
 * provider instance, re-decided after a failure.
 */
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import type { Catalog, Json, Provider } from './provider';
import type { ModernUpstream } from './upstream-modern';

export class HybridUpstream implements Provider {
  readonly name: string;
  #pick: Promise<Provider> | null = null;

  constructor(
    private readonly modern: ModernUpstream,
    private readonly legacy: Provider & { invalidate?(): void; close?(): Promise<void> },
  ) {
    this.name = legacy.name;
  }

  #target(signal?: AbortSignal): Promise<Provider> {
    if (!this.#pick) {
      const p = this.modern.discover(signal).then((yes) => (yes ? (this.modern as Provider) : (this.legacy as Provider)));
      this.#pick = p;
    }
    return this.#pick;
  }

  async catalog(signal?: AbortSignal): Promise<Catalog> {
    try {
      return await (await this.#target(signal)).catalog(signal);
    } catch (e) {
      this.#pick = null;
      throw e;
    }
  }
  async callTool(ctx: RequestContext, name: string, args: Json) {
    return (await this.#target(ctx.signal)).callTool(ctx, name, args);
  }
  async readResource(ctx: RequestContext, uri: string) {
    const t = await this.#target(ctx.signal);
    return t.readResource ? t.readResource(ctx, uri) : { contents: [] };
  }
  async getPrompt(ctx: RequestContext, name: string, args: Record<string, string>) {
    const t = await this.#target(ctx.signal);
    if (!t.getPrompt) throw new Error(`${this.name} has no prompts`);
    return t.getPrompt(ctx, name, args);
  }
  async complete(ctx: RequestContext, params: Json) {
    const t = await this.#target(ctx.signal);
    return t.complete ? t.complete(ctx, params) : { completion: { values: [], hasMore: false } };
  }
  async taskRequest(ctx: RequestContext, method: string, params: Json) {
    const t = await this.#target(ctx.signal);
    if (!t.taskRequest) throw new RpcError(ErrorCode.InvalidParams, `${this.name} serves no tasks on this lane`);
    return t.taskRequest(ctx, method, params);
  }
  invalidate(): void {
    this.modern.invalidate();
    this.legacy.invalidate?.();
  }
  async close(): Promise<void> {
    await this.legacy.close?.();
  }
}
