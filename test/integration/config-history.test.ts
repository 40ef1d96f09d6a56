// Config history is bounded (CONFIG_HISTORY_VERSIONS): old versions, and any literal secret they
// held, age out of the Config DO's SQLite; the current version and the audit trail stay.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ConfigService } from '../../src/config/service';
import { AUDIT_CAP, ConfigStore } from '../../src/storage/config-store';

describe('config history retention', () => {
  it('keeps the newest N versions; a literal secret from an old version is gone', async () => {
    const stub = env.CONFIG.get(env.CONFIG.idFromName(`history-${crypto.randomUUID()}`));
    const out = await runInDurableObject(stub, (_o, state) => {
      const store = new ConfigStore(state.storage, 3);
      const base = store.current()?.version ?? 0;
      const servers = (i: number) => ({
        s: { uri: 'https://x.example/mcp', transport: { headers: { Authorization: i === 1 ? 'Bearer literal-old-secret' : '${TOKEN}' } } },
      });
      for (let i = 1; i <= 10; i++) store.commit(base + i - 1, { servers: servers(i), kits: {} } as never, { actor: 't', action: 'config.put', ok: true });
      const rows = state.storage.sql.exec<{ config: string }>(`SELECT config FROM config_versions`).toArray();
      return {
        base,
        versions: store.versions(),
        current: store.current()?.version,
        anyOld: rows.some((r) => r.config.includes('literal-old-secret')),
        audit: store.audit(100).length,
      };
    });
    expect(out.versions).toEqual([out.base + 8, out.base + 9, out.base + 10]);
    expect(out.current).toBe(out.base + 10);
    expect(out.anyOld).toBe(false);
    expect(out.audit).toBeGreaterThanOrEqual(10);
  });

  it('the audit log stays bounded when nothing is ever committed (refusals only)', async () => {
    const stub = env.CONFIG.get(env.CONFIG.idFromName(`audit-${crypto.randomUUID()}`));
    const n = await runInDurableObject(stub, (_o, state) => {
      const store = new ConfigStore(state.storage);
      for (let i = 0; i < AUDIT_CAP + 250; i++) store.auditFailure({ actor: 'loop', action: 'server.put', ok: false, detail: { error: 'refused' } });
      return state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM audit`).one().n;
    });
    expect(n).toBeLessThanOrEqual(AUDIT_CAP + 100);
    expect(n).toBeGreaterThanOrEqual(AUDIT_CAP);
  });

  it('a registry row whose session expired without unregistering does not hold a place under the tenant cap', async () => {
    const stub = env.CONFIG.get(env.CONFIG.idFromName(`stale-${crypto.randomUUID()}`));
    const out = await runInDurableObject(stub, (_o, state) => {
      const store = new ConfigStore(state.storage);
      const svc = new ConfigService(store as never, { hubPrefix: 'hub', mountCheck: async () => ({ ok: true, tools: [] }), committed: () => {} } as never);
      const limits = { perPrincipal: 10, perTenant: 1, idleTtlMs: 3_600_000 };
      store.upsertSession('ghost', 'u', 'legacy', Date.now() - 2 * 3_600_000); // its alarm never unregistered it
      const fresh = svc.registerSession('new', 'u', 'legacy', true, limits);
      const full = svc.registerSession('third', 'v', 'legacy', true, limits);
      return { fresh, full, ids: store.sessions().map((x) => x.sessionId) };
    });
    expect(out.fresh.refused).toBeUndefined();
    expect(out.full.refused).toMatch(/MAX_SESSIONS_PER_TENANT=1/);
    expect(out.ids).toEqual(['new']);
  });
});
