/**
 * 2026-07-28 cache hints (`ttlMs`, `cacheScope` on lists and reads, SEP-2549) through the gateway.
 *
 * A 2026 upstream's hints come with its list pages (ModernUpstream keeps the strictest over the
 * pages of one list in its Catalog) and its reads (passed on as they are, once validated).
 * An aggregated list carries the most conservative hint of the servers that contributed items to
 * it: the smallest `ttlMs`, and `public` only when every contributor said `public`. A contributor
 * without hints (edgehub's own tools, 2025 upstreams, whose changes reach clients as list_changed)
 * does not shorten the ttl but keeps the scope `private` (edgehub's lists are per tenant). With no
 * hinted contributor the hint is edgehub's own: `ttlMs: 0`, `private`.
 *
 * Hints are wire fields of the modern lane only; 2025 results stay as they were.
 */
import type { RequestContext } from '../mcp/context';

export type CacheScope = 'public' | 'private';
export interface CacheHint {
  ttlMs: number;
  cacheScope: CacheScope;
}
export type HintKind = 'tools' | 'resources' | 'templates' | 'prompts';

export const DEFAULT_HINT: CacheHint = Object.freeze({ ttlMs: 0, cacheScope: 'private' });

/**
 * The hint a result carries, or undefined when it has none. A malformed field is read as its most
 * conservative value (ttl 0, private), so an upstream cannot make edgehub send an invalid result.
 */
export function readHint(result: Record<string, unknown>): CacheHint | undefined {
  const { ttlMs, cacheScope } = result;
  if (ttlMs === undefined && cacheScope === undefined) return undefined;
  return {
    ttlMs: typeof ttlMs === 'number' && Number.isSafeInteger(ttlMs) && ttlMs >= 0 ? ttlMs : 0,
    cacheScope: cacheScope === 'public' ? 'public' : 'private',
  };
}

export function stricter(a: CacheHint | undefined, b: CacheHint | undefined): CacheHint | undefined {
  if (!a) return b;
  if (!b) return a;
  return { ttlMs: Math.min(a.ttlMs, b.ttlMs), cacheScope: a.cacheScope === 'public' && b.cacheScope === 'public' ? 'public' : 'private' };
}

const KINDS: HintKind[] = ['tools', 'resources', 'templates', 'prompts'];

/** One aggregated hint per list kind, from the catalogs of the mounted servers. */
export function aggregateHints(
  catalogs: readonly { tools: unknown[]; resources: unknown[]; templates: unknown[]; prompts: unknown[]; hints?: Partial<Record<HintKind, CacheHint>> }[],
): Record<HintKind, CacheHint> {
  const out = {} as Record<HintKind, CacheHint>;
  for (const kind of KINDS) {
    let ttl: number | undefined;
    let scope: CacheScope | undefined;
    for (const cat of catalogs) {
      if (cat[kind].length === 0) continue;
      const h = cat.hints?.[kind];
      if (h) ttl = ttl === undefined ? h.ttlMs : Math.min(ttl, h.ttlMs);
      scope = h?.cacheScope === 'public' && scope !== 'private' ? 'public' : 'private';
    }
    out[kind] = { ttlMs: ttl ?? DEFAULT_HINT.ttlMs, cacheScope: scope ?? DEFAULT_HINT.cacheScope };
  }
  return out;
}

/** Adds the hint to a modern-lane result; a 2025 result is returned unchanged. */
export function withHint<T extends Record<string, unknown>>(ctx: RequestContext, result: T, hint: CacheHint): T {
  return ctx.lane === 'modern' ? { ...result, ttlMs: hint.ttlMs, cacheScope: hint.cacheScope } : result;
}
