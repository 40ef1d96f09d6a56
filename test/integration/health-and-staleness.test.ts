// The ConfigDO health alarm records probe results that hub_status shows; a runtime whose Config DO
// is unreachable keeps serving the last version it has.

import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigApi } from '../../src/config/api';
import type { ConfigSnapshot } from '../../src/config/schema';
import { ProviderPool } from '../../src/gateway/providers';
import { FRESH_MS, GatewayRuntime, RECHECK_MIN_MS, REFRESH_MS } from '../../src/runtime/gateway-runtime';
import { openSession, request } from '../helpers/rpc';

describe('health alarm', () => {
  it('probes enabled servers and hub_status reports the result', async () => {
    const sid = await openSession(); // registers a session, which arms the alarm
    const stub = env.CONFIG.get(env.CONFIG.idFromName('default'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const health = await stub.health();
    const git = health.find((h) => h.server === 'git');
    expect(git).toMatchObject({ ok: true });
    expect(git!.tools).toBeGreaterThanOrEqual(12);
    const status = (await request(sid, 'tools/call', { name: 'hub_status', arguments: {} })).result.structuredContent;
    expect(status.servers.find((s: any) => s.name === 'git').health).toMatchObject({ ok: true });
  });
});

describe('stale config', () => {
  it('keeps serving the last version while the Config DO is unavailable, and catches up after', async () => {
    let available = true;
    let version = 1;
    const snap = (): ConfigSnapshot => ({ version, config: { servers: {}, kits: {} } });
    const fake = {
      snapshot: async (known: number) => {
        if (!available) throw new Error('Config DO unavailable');
        return known === version ? null : snap();
      },
      health: async () => [],
    } as unknown as ConfigApi;
    const rt = new GatewayRuntime(() => fake, new ProviderPool({}));
    expect((await rt.gateway()).configVersion).toBe(1);
    available = false;
    version = 2;
    expect(await rt.configChanged(2)).toBe(false); // push arrived but the DO cannot be read
    expect((await rt.gateway()).configVersion).toBe(1);
    available = true;
    expect(await rt.configChanged(2)).toBe(true);
    expect((await rt.gateway()).configVersion).toBe(2);
  });

  it('catches up by itself after REFRESH_MS when a push was missed', async () => {
    let version = 1;
    const fake = {
      snapshot: async (known: number) => (known === version ? null : { version, config: { servers: {}, kits: {} } }),
      health: async () => [],
    } as unknown as ConfigApi;
    let now = 5_000_000;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const rt = new GatewayRuntime(() => fake, new ProviderPool({}));
      expect((await rt.gateway()).configVersion).toBe(1);
      version = 2; // committed, but the push never arrived
      now += REFRESH_MS - 1;
      expect((await rt.gateway()).configVersion).toBe(1); // within the bound: served from the snapshot
      now += 2;
      expect((await rt.gateway()).configVersion).toBe(2); // past it: checked before serving
    } finally {
      spy.mockRestore();
    }
  });
});

describe('freshness bounds without pushes (a Worker isolate)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists wait for a check past FRESH_MS, calls revalidate in the background, unknown names recheck', async () => {
    let version = 1;
    let reads = 0;
    const fake = {
      snapshot: async (known: number) => {
        reads++;
        return known === version ? null : { version, config: { servers: {}, kits: {} } };
      },
      health: async () => [],
    } as unknown as ConfigApi;
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const rt = new GatewayRuntime(() => fake, new ProviderPool({}), { unpushed: true });
    expect((await rt.gateway()).configVersion).toBe(1);
    expect(reads).toBe(1);

    version = 2; // committed elsewhere; nothing tells this runtime
    now += FRESH_MS / 2;
    expect((await rt.gateway({ maxAgeMs: FRESH_MS })).configVersion).toBe(1); // within the bound: no read
    expect(reads).toBe(1);
    now += FRESH_MS;
    expect((await rt.gateway({ maxAgeMs: FRESH_MS })).configVersion).toBe(2); // past it: read first
    expect(reads).toBe(2);

    version = 3;
    now += FRESH_MS + 1;
    const background: Promise<unknown>[] = [];
    expect((await rt.gateway({ revalidate: (p) => background.push(p) })).configVersion).toBe(2); // served at once
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect((await rt.gateway({ revalidate: (p) => background.push(p) })).configVersion).toBe(3);
    expect(background).toHaveLength(1); // just checked: no second read

    version = 4;
    expect(await rt.recheck()).toBe(false); // checked under RECHECK_MIN_MS ago: no read (no storm)
    now += RECHECK_MIN_MS;
    expect(await rt.recheck()).toBe(true);
    expect(rt.version).toBe(4);
    now += RECHECK_MIN_MS;
    expect(await rt.recheck()).toBe(false); // nothing newer
  });
});
