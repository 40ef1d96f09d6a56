// The modern lane keeps one runtime per tenant and isolate, bounded (README: every store is
// bounded): past MAX_TENANTS the least recently used tenant's runtime is dropped.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_TENANTS, runtimeFor } from '../../src/runtime/isolate-runtimes';

describe('per-isolate runtimes', () => {
  it('reuses a tenant runtime and keeps at most MAX_TENANTS, dropping the least recently used', () => {
    const first = runtimeFor(env, 'tenant-0');
    const second = runtimeFor(env, 'tenant-1');
    expect(runtimeFor(env, 'tenant-0')).toBe(first); // used again: now the most recent
    for (let i = 2; i <= MAX_TENANTS; i++) runtimeFor(env, `tenant-${i}`); // MAX_TENANTS + 1 tenants seen
    // tenant-0 was used more recently than tenant-1, so it was kept; tenant-1 was dropped.
    expect(runtimeFor(env, 'tenant-0')).toBe(first);
    expect(runtimeFor(env, 'tenant-1')).not.toBe(second);
  });
});
