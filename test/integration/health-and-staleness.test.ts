// The ConfigDO health alarm records probe results that hub_status shows; a runtime whose Config DO
// is unreachable keeps serving the last version it has.
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ConfigApi } from '../../src/config/api';
import type { ConfigSnapshot } from '../../src/config/schema';
import { GatewayRuntime, REFRESH_MS } from '../../src/gateway/runtime';
import { ProviderPool } from '../../src/gateway/providers';
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
    expect(REFRESH_MS).toBeGreaterThan(0);
  });
});
