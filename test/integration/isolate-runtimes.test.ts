// The stateless lane keeps one runtime per tenant and isolate, bounded (README: every store is
// bounded): past MAX_TENANTS the least recently used tenant's runtime is dropped.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { isolateRuntimeCount, MAX_TENANTS, runtimeFor } from '../../src/runtime/isolate-runtimes';

describe('per-isolate runtimes', () => {
  it('reuses a tenant runtime and never holds more than MAX_TENANTS', () => {
    const first = runtimeFor(env, 'tenant-0');
    expect(runtimeFor(env, 'tenant-0')).toBe(first);
    for (let i = 1; i < MAX_TENANTS + 50; i++) {
      runtimeFor(env, `tenant-${i}`);
      if (i === MAX_TENANTS / 2) expect(runtimeFor(env, 'tenant-0')).toBe(first); // used again: stays
    }
    expect(isolateRuntimeCount()).toBe(MAX_TENANTS);
    expect(runtimeFor(env, 'tenant-0')).toBe(first);
    // tenant-1 was the least recently used: it was dropped and comes back as a new runtime.
    expect(isolateRuntimeCount()).toBe(MAX_TENANTS);
  });
});
