/**
 * The grants of one vault: stored sealed, handed out as tokens (refreshed ahead of expiry and once
 * after a 401, coalesced per server), listed without secrets, revoked at the authorization server.
 * VaultService checks the caller owns the object and passes the vault's crypto in.
 */
import * as oauth from 'oauth4webapi';
import { log } from '../observability/log';
import { GrantRevokedError, type Net, refresh, revoke, type Tokens } from './flow';
import { type VaultCrypto, VaultKeyError } from './keys';
import { fail, failure, type Outcome } from './outcome';
import type { VaultRef } from './refs';
import { type GrantRecord, sha256Hex, type VaultStore } from './store';

/** Refresh this long before expiry (a call must not race the token's end). */
export const REFRESH_AHEAD_MS = 60_000;

export interface TokenReply {
  token: string;
  /** 0 = no expiry given. */
  expiresAt: number;
  fingerprint: string;
}

export interface GrantSummary {
  server: string;
  issuer: string;
  scope?: string;
  createdAt: number;
  refreshedAt?: number;
  expiresAt: number;
  by: string;
}

interface Secrets {
  access: string;
  refresh?: string;
  clientSecret?: string;
}

export class GrantKeeper {
  #refreshing = new Map<string, Promise<TokenReply | null>>();

  constructor(
    private readonly store: VaultStore,
    private readonly net: () => Net,
  ) {}

  async save(
    c: VaultCrypto,
    owner: VaultRef,
    g: Pick<GrantRecord, 'server' | 'resource' | 'as' | 'clientId' | 'by'> & { createdAt?: number },
    t: Tokens,
    clientSecret?: string,
  ): Promise<TokenReply> {
    const secrets: Secrets = { access: t.access, refresh: t.refresh, clientSecret };
    const fingerprint = (await sha256Hex(t.access)).slice(0, 16);
    const now = Date.now();
    await this.store.putGrant({
      ...g,
      sealed: await c.seal(`grant\u0000${owner.sub}\u0000${g.server}`, secrets),
      expiresAt: t.expiresAt,
      scope: t.scope,
      fingerprint,
      createdAt: g.createdAt ?? now,
      ...(g.createdAt ? { refreshedAt: now } : {}),
    });
    return { token: t.access, expiresAt: t.expiresAt, fingerprint };
  }

  /**
   * A usable access token for `server`, refreshed first when it ends within REFRESH_AHEAD_MS or the
   * upstream rejected the one with `rejected` fingerprint. null = no grant (needs authorization).
   * An unreachable authorization server, when the token cannot be used any more, is an error naming it.
   */
  async token(c: VaultCrypto, owner: VaultRef, server: string, rejected?: string): Promise<Outcome<{ grant: TokenReply | null }>> {
    const g = await this.store.grant(server);
    if (!g) return { ok: true, grant: null };
    let secrets: Secrets;
    try {
      secrets = await c.open<Secrets>(`grant\u0000${owner.sub}\u0000${server}`, g.sealed);
    } catch (e) {
      if (e instanceof VaultKeyError) return fail('config', e.message);
      log.warn('upstream grant cannot be decrypted; dropped (was VAULT_KEY changed?)', { tenant: owner.tenant, upstream: server });
      await this.store.deleteGrant(server);
      return { ok: true, grant: null };
    }
    const current = { token: secrets.access, expiresAt: g.expiresAt, fingerprint: g.fingerprint };
    if (rejected && rejected !== g.fingerprint) return { ok: true, grant: current }; // already replaced
    const expiring = g.expiresAt !== 0 && g.expiresAt - Date.now() < REFRESH_AHEAD_MS;
    if (!rejected && !expiring) return { ok: true, grant: current };
    let p = this.#refreshing.get(server);
    if (!p) {
      p = this.#refresh(c, owner, g, secrets, !!rejected).finally(() => this.#refreshing.delete(server));
      this.#refreshing.set(server, p);
    }
    try {
      return { ok: true, grant: await p };
    } catch (e) {
      return failure(e);
    }
  }

  async #refresh(c: VaultCrypto, owner: VaultRef, g: GrantRecord, s: Secrets, rejected: boolean): Promise<TokenReply | null> {
    const stillValid = !rejected && (g.expiresAt === 0 || g.expiresAt > Date.now());
    if (!s.refresh) {
      if (stillValid) return { token: s.access, expiresAt: g.expiresAt, fingerprint: g.fingerprint };
      await this.store.deleteGrant(g.server);
      return null;
    }
    try {
      const t = await refresh(g.as, { clientId: g.clientId, clientSecret: s.clientSecret, resource: g.resource, refresh: s.refresh }, this.net());
      log.info('upstream grant refreshed', { tenant: owner.tenant, upstream: g.server });
      return await this.save(c, owner, g, t, s.clientSecret);
    } catch (e) {
      if (e instanceof GrantRevokedError || e instanceof oauth.ResponseBodyError) {
        log.info('upstream grant refused on refresh; the user is asked again', { tenant: owner.tenant, upstream: g.server });
        await this.store.deleteGrant(g.server);
        return null;
      }
      if (stillValid) return { token: s.access, expiresAt: g.expiresAt, fingerprint: g.fingerprint };
      throw e;
    }
  }

  async list(): Promise<GrantSummary[]> {
    return (await this.store.grants()).map((g) => ({
      server: g.server,
      issuer: g.as.issuer,
      ...(g.scope ? { scope: g.scope } : {}),
      createdAt: g.createdAt,
      ...(g.refreshedAt ? { refreshedAt: g.refreshedAt } : {}),
      expiresAt: g.expiresAt,
      by: g.by,
    }));
  }

  /** Revokes at the authorization server (best effort, bounded) and forgets the grant. */
  async revoke(c: VaultCrypto, owner: VaultRef, server: string): Promise<Outcome<{ revokedAtServer: boolean }>> {
    const g = await this.store.grant(server);
    if (!g) return fail('refused', `no grant for ${server}`);
    let revokedAtServer = false;
    try {
      const s = await c.open<Secrets>(`grant\u0000${owner.sub}\u0000${server}`, g.sealed);
      if (typeof g.as.revocation_endpoint === 'string') {
        // The refresh token first: revoking it ends the grant (RFC 7009 §2.1). A self-contained (JWT)
        // access token often cannot be revoked (`unsupported_token_type`); it ends at its expiry.
        const auth = { clientId: g.clientId, clientSecret: s.clientSecret };
        if (s.refresh) await revoke(g.as, { ...auth, token: s.refresh, hint: 'refresh_token' }, this.net());
        await revoke(g.as, { ...auth, token: s.access, hint: 'access_token' }, this.net()).catch((e) => {
          if (!(s.refresh && e instanceof oauth.ResponseBodyError && e.error === 'unsupported_token_type')) throw e;
        });
        revokedAtServer = true;
      }
    } catch (e) {
      log.warn('revocation at the authorization server failed; the grant is forgotten here', {
        tenant: owner.tenant,
        upstream: server,
        issuer: g.as.issuer,
        error: e instanceof oauth.ResponseBodyError ? e.error : e instanceof Error ? e.message : String(e),
      });
    }
    await this.store.deleteGrant(server);
    return { ok: true, revokedAtServer };
  }
}
