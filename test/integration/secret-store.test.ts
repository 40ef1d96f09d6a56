// The per-tenant secret store inside workerd: sealing (AES-GCM bound to tenant and name), the
// store in a real ConfigDO's SQLite (only ciphertext at rest, audit rows without values, the
// config version bumped only when a server references the secret), the resolution rule (tenant
// store first, Worker env only for shared tenants and never reserved names), and the clear refusal
// without SECRETS_KEY (this test environment has none).

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot } from '../../src/config/schema';
import { keyProblem, open, seal, tenantKey } from '../../src/config/secret-crypto';
import { SECRETS_PER_TENANT, SecretService } from '../../src/config/secret-service';
import { envSecret, isReservedName, resolveSecrets, secretsKey, sharedTenants } from '../../src/config/secrets';
import { ConfigStore } from '../../src/storage/config-store';
import { SecretStore } from '../../src/storage/secret-store';
import { call } from '../helpers/rpc';

const KEY = 'k'.repeat(20) + crypto.randomUUID();

describe('sealing', () => {
  it('round-trips, with a fresh IV per write', async () => {
    const k = await tenantKey(KEY, 'acme');
    const a = await seal(k, 'acme', 'API_TOKEN', 'hunter2 ünïcode');
    const b = await seal(k, 'acme', 'API_TOKEN', 'hunter2 ünïcode');
    expect(a.iv.byteLength).toBe(12);
    expect([...new Uint8Array(a.iv)]).not.toEqual([...new Uint8Array(b.iv)]);
    expect([...new Uint8Array(a.ciphertext)]).not.toEqual([...new Uint8Array(b.ciphertext)]);
    expect(new TextDecoder().decode(a.ciphertext)).not.toContain('hunter2');
    expect(await open(k, 'acme', 'API_TOKEN', a)).toBe('hunter2 ünïcode');
  });

  it("fails under another tenant's key, another tenant or name as AAD, or altered bytes", async () => {
    const acme = await tenantKey(KEY, 'acme');
    const globex = await tenantKey(KEY, 'globex');
    const s = await seal(acme, 'acme', 'API_TOKEN', 'v');
    await expect(open(globex, 'globex', 'API_TOKEN', s)).rejects.toThrow();
    await expect(open(acme, 'globex', 'API_TOKEN', s)).rejects.toThrow();
    await expect(open(acme, 'acme', 'OTHER', s)).rejects.toThrow();
    const ct = s.ciphertext.slice();
    ct[0] ^= 1;
    await expect(open(acme, 'acme', 'API_TOKEN', { iv: s.iv, ciphertext: ct })).rejects.toThrow();
    const iv = s.iv.slice();
    iv[11] ^= 1;
    await expect(open(acme, 'acme', 'API_TOKEN', { iv, ciphertext: s.ciphertext })).rejects.toThrow();
    await expect(open(await tenantKey(`${KEY}x`, 'acme'), 'acme', 'API_TOKEN', s)).rejects.toThrow();
  });

  it('refuses a missing or short SECRETS_KEY and says what to set', async () => {
    expect(keyProblem(undefined)).toMatch(/SECRETS_KEY is not set.*wrangler secret put SECRETS_KEY/);
    expect(keyProblem('short')).toMatch(/too short/);
    expect(keyProblem(KEY)).toBeNull();
    await expect(tenantKey('', 'acme')).rejects.toThrow(/openssl rand -base64 32/);
  });
});

describe('resolution rule', () => {
  it('Worker env only for shared tenants (default: "default"), never reserved names', () => {
    const e = { SHARED_SECRET_TENANTS: '', W: 'w', AUTH_PUBLIC_KEY: 'pem', SECRETS_KEY: KEY, VAULT_KEY: 'v', SESSION: {} };
    expect([...sharedTenants(undefined)]).toEqual(['default']);
    expect([...sharedTenants(' a , b ')]).toEqual(['a', 'b']);
    expect(envSecret(e, 'default', 'W')).toBe('w');
    expect(envSecret(e, 'acme', 'W')).toBeUndefined();
    expect(envSecret({ ...e, SHARED_SECRET_TENANTS: 'acme' }, 'acme', 'W')).toBe('w');
    expect(envSecret({ ...e, SHARED_SECRET_TENANTS: 'acme' }, 'default', 'W')).toBeUndefined();
    for (const n of ['AUTH_PUBLIC_KEY', 'SECRETS_KEY', 'VAULT_KEY']) expect(envSecret(e, 'default', n)).toBeUndefined();
    expect(envSecret(e, 'default', 'SESSION')).toBeUndefined(); // bindings are not strings
    expect(isReservedName('AUTH_ANYTHING')).toBe(true);
    expect(isReservedName('API_TOKEN')).toBe(false);
  });

  it('a resolved value is never resolved again; a missing name names the tenant and the fix', () => {
    const s = { tenant: 'globex', values: { A: '${B}' }, errors: { C: 'secret C of tenant globex cannot be decrypted' } };
    expect(resolveSecrets({ h: 'x ${A}' }, s)).toEqual({ h: 'x ${B}' });
    expect(() => resolveSecrets({ h: '${B}' }, s)).toThrow('secret B is not set for tenant globex: edgehub secrets set B');
    expect(() => resolveSecrets({ h: '${C}' }, s)).toThrow(/cannot be decrypted/);
    expect(() => resolveSecrets({ h: '${A}' }, undefined)).toThrow(/secret A is not set/);
  });

  it('a connection key changes when a referenced value changes, not otherwise', () => {
    const server = { uri: 'https://x/mcp', transport: { headers: { a: '${A}' } } };
    const k1 = secretsKey(server, { tenant: 't', values: { A: '1', B: '1' }, errors: {} });
    expect(secretsKey(server, { tenant: 't', values: { A: '1', B: '2' }, errors: {} })).toBe(k1);
    expect(secretsKey(server, { tenant: 't', values: { A: '2' }, errors: {} })).not.toBe(k1);
    expect(secretsKey({ uri: 'https://x/mcp' }, undefined)).toBe('');
  });
});

/** A SecretService over a real ConfigDO's storage, with the Worker env given here. */
async function withService<T>(
  tenant: string,
  workerEnv: object,
  fn: (svc: SecretService, storage: DurableObjectStorage, commits: ConfigSnapshot[], config: ConfigStore<ConfigSnapshot['config']>) => Promise<T>,
): Promise<T> {
  const stub = env.CONFIG.get(env.CONFIG.idFromName(tenant));
  return runInDurableObject(stub, async (_instance, state) => {
    const config = new ConfigStore<ConfigSnapshot['config']>(state.storage);
    const commits: ConfigSnapshot[] = [];
    const current = () => config.current() ?? config.commit(0, { servers: {}, kits: {} }, { actor: 't', action: 'config.seed', ok: true })!;
    const svc = new SecretService({ tenant, env: workerEnv, secrets: new SecretStore(state.storage), config, current, committed: (s) => commits.push(s) });
    return fn(svc, state.storage, commits, config);
  });
}

describe('the store in a ConfigDO', () => {
  it('keeps only ciphertext, lists names, audits without values, bumps the version only for referenced names', async () => {
    await withService('store-a', { SECRETS_KEY: KEY }, async (svc, storage, commits, cfg) => {
      const v0 = cfg.current()?.version ?? 0;
      expect(await svc.set({ sub: 'ops' }, 'UNUSED', 'plain-unused-value')).toMatchObject({ ok: true, servers: [] });
      expect(commits).toHaveLength(0);
      const cur = cfg.current()!;
      cfg.commit(
        cur.version,
        { ...cur.config, servers: { rec: { uri: 'https://x/mcp', transport: { headers: { a: 'Bearer ${USED}' } } } } },
        { actor: 't', action: 'server.add', ok: true },
      );
      const r = await svc.set({ sub: 'ops' }, 'USED', 'plain-used-value');
      expect(r).toMatchObject({ ok: true, servers: ['rec'] });
      expect(commits).toHaveLength(1);
      expect(r.version).toBeGreaterThan(v0);
      expect(svc.list().map((s) => s.name)).toEqual(['UNUSED', 'USED']);
      expect(JSON.stringify(svc.list())).not.toContain('plain-');
      const dump = JSON.stringify(
        storage.sql
          .exec('SELECT * FROM secrets')
          .toArray()
          .map((row) => Object.values(row).map((v) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v))),
      );
      expect(dump).not.toContain('plain-');
      const audit = JSON.stringify(storage.sql.exec('SELECT * FROM audit').toArray());
      expect(audit).toContain('secret.set');
      expect(audit).not.toContain('plain-');
      const snap = await svc.attach(cfg.current()!);
      expect(snap.secrets).toEqual({ tenant: 'store-a', values: { USED: 'plain-used-value' }, errors: {} });
      expect(svc.delete({ sub: 'ops' }, 'USED')).toMatchObject({ ok: true, servers: ['rec'] });
      expect(svc.delete({ sub: 'ops' }, 'USED')).toMatchObject({ ok: false, status: 404 });
      expect((await svc.attach(cfg.current()!)).secrets?.values).toEqual({});
    });
  });

  it('a row copied under another name does not open; a changed SECRETS_KEY is reported, not guessed around', async () => {
    await withService('store-b', { SECRETS_KEY: KEY, SHARED_SECRET_TENANTS: 'store-b', MOVED: 'from-env' }, async (svc, storage) => {
      await svc.set({ sub: 'ops' }, 'ORIGINAL', 'orig-value');
      storage.sql.exec(
        `INSERT INTO secrets (name, iv, ciphertext, updated_at, updated_by) SELECT 'MOVED', iv, ciphertext, updated_at, updated_by FROM secrets WHERE name = 'ORIGINAL'`,
      );
      const r = await svc.resolve(['ORIGINAL', 'MOVED']);
      expect(r.values).toEqual({ ORIGINAL: 'orig-value' });
      expect(r.errors.MOVED).toMatch(/cannot be decrypted/);
    });
    await withService('store-b', { SECRETS_KEY: `${KEY}-rotated` }, async (svc) => {
      const r = await svc.resolve(['ORIGINAL']);
      expect(r.values).toEqual({});
      expect(r.errors.ORIGINAL).toMatch(/SECRETS_KEY changed.*edgehub secrets set ORIGINAL/);
    });
  });

  it('validates names and values and caps the count', async () => {
    await withService('store-c', { SECRETS_KEY: KEY }, async (svc, storage) => {
      expect(await svc.set({ sub: 'ops' }, 'bad-name', 'v')).toMatchObject({ ok: false, status: 400, field: 'name' });
      expect(await svc.set({ sub: 'ops' }, 'X', 'a\nb')).toMatchObject({ ok: false, status: 400, field: 'value' });
      const store = new SecretStore(storage);
      const filler = await svc.set({ sub: 'ops' }, 'FILL_0', 'v');
      expect(filler.ok).toBe(true);
      const row = storage.sql.exec<{ iv: ArrayBuffer; ciphertext: ArrayBuffer }>(`SELECT iv, ciphertext FROM secrets WHERE name = 'FILL_0'`).one();
      for (let i = 1; i < SECRETS_PER_TENANT; i++) store.put(`FILL_${i}`, { iv: new Uint8Array(row.iv), ciphertext: new Uint8Array(row.ciphertext) }, 'ops');
      expect(await svc.set({ sub: 'ops' }, 'ONE_MORE', 'v')).toMatchObject({ ok: false, status: 409 });
      expect(await svc.set({ sub: 'ops' }, 'FILL_0', 'replaced')).toMatchObject({ ok: true });
      expect(store.count()).toBe(SECRETS_PER_TENANT);
    });
  });
});

describe('without SECRETS_KEY', () => {
  it('storing a secret is refused with what to set, and nothing is stored', async () => {
    const r = await call('/admin/api/secrets/API_TOKEN', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'never-stored' }),
    });
    const body = (await r.json()) as { error: string; message: string };
    expect(r.status).toBe(503);
    expect(body.message).toContain('wrangler secret put SECRETS_KEY');
    expect(body.message).toContain('openssl rand -base64 32');
    const list = (await (await call('/admin/api/secrets')).json()) as { secrets: unknown[] };
    expect(list.secrets).toEqual([]);
  });
});
