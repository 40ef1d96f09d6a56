import { describe, expect, it } from 'vitest';
import { aggregateHints, readHint, stricter } from '../../src/gateway/cache-hints';

const cat = (n: number, hints?: Record<string, { ttlMs: number; cacheScope: 'public' | 'private' }>) => ({
  tools: Array(n).fill({}),
  resources: [],
  templates: [],
  prompts: Array(n).fill({}),
  hints,
});

describe('2026 cache hints', () => {
  it('reads hints defensively: a malformed field becomes its most conservative value', () => {
    expect(readHint({})).toBeUndefined();
    expect(readHint({ ttlMs: 500, cacheScope: 'public' })).toEqual({ ttlMs: 500, cacheScope: 'public' });
    expect(readHint({ ttlMs: -1, cacheScope: 'shared' })).toEqual({ ttlMs: 0, cacheScope: 'private' });
    expect(readHint({ ttlMs: 1.5 })).toEqual({ ttlMs: 0, cacheScope: 'private' });
    expect(stricter({ ttlMs: 10, cacheScope: 'public' }, { ttlMs: 20, cacheScope: 'private' })).toEqual({ ttlMs: 10, cacheScope: 'private' });
  });

  it('aggregates per list over the servers that contributed items', () => {
    const pub = (ttlMs: number) => ({ ttlMs, cacheScope: 'public' as const });
    const h = aggregateHints([cat(2, { tools: pub(60_000), prompts: pub(5_000) }), cat(1, { tools: pub(30_000), prompts: pub(9_000) }), cat(0)]);
    expect(h.tools).toEqual({ ttlMs: 30_000, cacheScope: 'public' });
    expect(h.prompts).toEqual({ ttlMs: 5_000, cacheScope: 'public' });
    expect(h.resources).toEqual({ ttlMs: 0, cacheScope: 'private' }); // nobody contributed
    // An unhinted contributor (edgehub's own, a 2025 upstream) keeps the ttl but makes it private.
    const mixed = aggregateHints([cat(2, { tools: pub(60_000) }), cat(1)]);
    expect(mixed.tools).toEqual({ ttlMs: 60_000, cacheScope: 'private' });
    expect(aggregateHints([cat(1), cat(1)]).tools).toEqual({ ttlMs: 0, cacheScope: 'private' });
  });
});
