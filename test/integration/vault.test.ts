// The upstream-grant vault inside workerd: sealing bound to tenant, principal and server; consent
// handles and states that name their vault and nothing else; `transport.auth` parsing and
// redaction; a VaultDO that serves one principal only; the refusals without VAULT_KEY / PUBLIC_URL
// (this test environment has neither); and an OAuth upstream mounted without VAULT_KEY refused
// with what to set.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { redactServer } from '../../src/config/secrets';
import { vaultStub } from '../../src/utils/do-stubs';
import { VaultCrypto, vaultKeyProblem } from '../../src/vault/keys';
import { newRef, parseRef } from '../../src/vault/refs';
import { VaultService } from '../../src/vault/service';
import { isOAuthServer, upstreamAuth } from '../../src/vault/spec';
import { call } from '../helpers/rpc';

const KEY = { VAULT_KEY: `vault-test-key-${crypto.randomUUID()}` };

describe('sealing', () => {
  it('round-trips and fails under another tenant, principal/server label or key', async () => {
    const acme = new VaultCrypto(KEY, 'acme');
    const sealed = await acme.seal('grant\u0000alice\u0000up', { access: 'at-secret' });
    expect(new TextDecoder().decode(sealed.ciphertext)).not.toContain('at-secret');
    expect(await acme.open('grant\u0000alice\u0000up', sealed)).toEqual({ access: 'at-secret' });
    await expect(acme.open('grant\u0000bob\u0000up', sealed)).rejects.toThrow();
    await expect(acme.open('grant\u0000alice\u0000other', sealed)).rejects.toThrow();
    await expect(new VaultCrypto(KEY, 'globex').open('grant\u0000alice\u0000up', sealed)).rejects.toThrow();
    await expect(new VaultCrypto({ VAULT_KEY: `other-${KEY.VAULT_KEY}` }, 'acme').open('grant\u0000alice\u0000up', sealed)).rejects.toThrow();
  });

  it('says what to set without a usable VAULT_KEY', () => {
    expect(vaultKeyProblem({})).toMatch(/VAULT_KEY is not set: .*wrangler secret put VAULT_KEY/);
    expect(vaultKeyProblem({ VAULT_KEY: 'short' })).toMatch(/too short/);
    expect(vaultKeyProblem(KEY)).toBeNull();
  });
});

describe('handles and states', () => {
  it('name their vault, carry 256 random bits, and refuse anything else', () => {
    const a = newRef({ tenant: 'acme', sub: 'alice@example.com' });
    const b = newRef({ tenant: 'acme', sub: 'alice@example.com' });
    expect(a).not.toBe(b);
    expect(parseRef(a)).toEqual({ tenant: 'acme', sub: 'alice@example.com' });
    expect(parseRef(newRef({ tenant: 'acme', sub: '' }))).toEqual({ tenant: 'acme', sub: '' });
    for (const bad of ['', 'v1.x.y.z', `${a}x`, a.replace(/^v1/, 'v2'), `v1.@@.eA.${'A'.repeat(43)}`, 'x'.repeat(700)]) expect(parseRef(bad)).toBeNull();
  });
});

describe('transport.auth', () => {
  it('per user, shared, client and scopes; client_secret resolved like a header and redacted in reads', () => {
    const user = { uri: 'https://mcp.example/mcp', transport: { auth: 'oauth' } };
    expect(isOAuthServer(user)).toBe(true);
    expect(upstreamAuth(user, undefined)).toEqual({ mode: 'user' });
    const shared = {
      uri: 'https://mcp.example/mcp',
      transport: { auth: { type: 'oauth', mode: 'shared', client_id: 'edgehub', client_secret: '${CS}', scopes: 'read write' } },
    };
    expect(upstreamAuth(shared, { tenant: 'acme', values: { CS: 's3cret' }, errors: {} })).toEqual({
      mode: 'shared',
      clientId: 'edgehub',
      clientSecret: 's3cret',
      scopes: ['read', 'write'],
    });
    expect(() => upstreamAuth(shared, { tenant: 'acme', values: {}, errors: {} })).toThrow(/secret CS is not set/);
    const literal = { ...shared, transport: { auth: { ...shared.transport.auth, client_secret: 'literal-secret' } } };
    expect(JSON.stringify(redactServer(literal))).not.toContain('literal-secret');
    expect((redactServer(literal).transport?.auth as { mode: string } | undefined)?.mode).toBe('shared');
    expect(redactServer(user).transport?.auth).toBe('oauth');
    expect(isOAuthServer({ uri: 'https://x/mcp', transport: { auth: 'basic' } })).toBe(false);
  });
});

describe('VaultDO', () => {
  it('serves the principal it was first used for, and nobody else', async () => {
    const stub = vaultStub(env, 'acme', 'alice');
    await stub.link({ tenant: 'acme', sub: 'alice' }, { mode: 'user', server: 'up', resource: 'https://mcp.example/mcp' }, 'alice');
    expect(await stub.list({ tenant: 'acme', sub: 'alice' })).toEqual([]);
    expect(await stub.token({ tenant: 'acme', sub: 'mallory' }, 'up')).toMatchObject({ ok: false, message: 'vault owner mismatch' });
    expect(await stub.revoke({ tenant: 'globex', sub: 'alice' }, 'up')).toMatchObject({ ok: false, message: 'vault owner mismatch' });
  });

  it('a forged handle or state naming a vault never used writes nothing there', async () => {
    const owner = { tenant: 'acme', sub: `nobody-${crypto.randomUUID()}` };
    const stub = vaultStub(env, owner.tenant, owner.sub);
    expect(await stub.describe(owner, newRef(owner))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await stub.begin(owner, newRef(owner))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await stub.complete(owner, newRef(owner), '?code=x')).toMatchObject({ ok: false, reason: 'refused' });
    expect(await stub.token(owner, 'up')).toEqual({ ok: true, grant: null });
    await runInDurableObject(stub, async (_obj, state) => {
      expect((await state.storage.list()).size).toBe(0);
    });
  });

  it('refuses a consent link without PUBLIC_URL, and an unknown handle or state', async () => {
    const owner = { tenant: 'acme', sub: 'bob' };
    const stub = vaultStub(env, 'acme', 'bob');
    const r = await stub.link(owner, { mode: 'user', server: 'up', resource: 'https://mcp.example/mcp' }, 'bob');
    expect(r).toMatchObject({ ok: false, reason: 'config' });
    expect((r as { message: string }).message).toMatch(/PUBLIC_URL/);
    expect(await stub.describe(owner, newRef(owner))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await stub.complete(owner, newRef(owner), '?code=x')).toMatchObject({ ok: false, reason: 'refused' });
    expect(await stub.token(owner, 'up')).toEqual({ ok: true, grant: null });
  });

  it('a link made with PUBLIC_URL and VAULT_KEY works once and stores only a hash of its handle', async () => {
    const owner = { tenant: 'acme', sub: 'carol' };
    const id = env.VAULT.idFromName('acme\u0000carol');
    await runInDurableObject(env.VAULT.get(id), async (_obj, state) => {
      const svc = new VaultService(state.storage, { ...env, ...KEY, PUBLIC_URL: 'https://hub.example' } as Env, () => {
        throw new Error('not used');
      });
      const r = await svc.link(owner, { mode: 'user', server: 'up', resource: 'http://127.0.0.1:9/mcp', clientSecret: 'cs-literal' }, 'carol');
      expect(r.ok).toBe(true);
      const handle = (r as { handle: string }).handle;
      const keys = [...(await state.storage.list()).keys()];
      expect(keys.some((k) => k.includes(handle))).toBe(false);
      expect(JSON.stringify([...(await state.storage.list()).values()])).not.toContain('cs-literal');
      // The first use consumes it (here discovery fails: the resource is not reachable from the test).
      const first = await svc.begin(owner, handle);
      expect(first.ok).toBe(false);
      expect(await svc.begin(owner, handle)).toMatchObject({ ok: false, reason: 'expired' });
    });
  });
});

describe('mounting', () => {
  it('an OAuth upstream without VAULT_KEY is refused with what to set', async () => {
    const r = await call('/admin/api/servers/needs-vault', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: 'http://127.0.0.1:9/mcp', transport: { auth: 'oauth' } }),
    });
    const text = await r.text();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(text).toMatch(/VAULT_KEY is not set/);
  });
});
