// Config history is bounded (CONFIG_HISTORY_VERSIONS): old versions, and any literal secret they
// held, age out of the Config DO's SQLite; the current version and the audit trail stay.

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/storage/config-store';

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
});
