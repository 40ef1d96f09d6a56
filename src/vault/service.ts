/**
 * What a Vault Durable Object does (durable-objects/vault.ts delegates every method here): consent
 * links, flows at the upstream's authorization server, and the grants they produce, for the one
 * principal (or, with the empty sub, the tenant's shared grants) the object is named after.
 *
 * Replies are tagged results, never thrown errors (they cross a DO stub). Tokens leave only through
 * `token()`, to the gateway runtime that attaches them to requests for their own upstream.
 */
import * as oauth from 'oauth4webapi';
import { log } from '../observability/log';
import { AuthServerError, authorizationUrl, discover, exchange, GrantRevokedError, type Net, refresh, register, revoke, type Tokens } from './flow';
import { VaultCrypto, VaultKeyError } from './keys';
import { newRef, type VaultRef } from './refs';
import type { UpstreamSpec } from './spec';
import { type AsMetadata, type GrantRecord, sha256Hex, VaultStore } from './store';

/** Refresh this long before expiry (a call must not race the token's end). */
export const REFRESH_AHEAD_MS = 60_000;
export const CALLBACK_PATH = '/oauth/upstream/callback';
export const CLIENT_DOCUMENT_PATH = '/oauth/client.json';

export type Failure = { ok: false; reason: 'expired' | 'refused' | 'unreachable' | 'config'; message: string };
export type Outcome<T> = ({ ok: true } & T) | Failure;

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

/** The tenant's shared vault as a user vault sees it (registrations, catalog source). */
export interface TenantVault {
  registeredClient(owner: VaultRef, issuer: string): Promise<string | null>;
  saveClient(owner: VaultRef, issuer: string, clientId: string): Promise<void>;
  offerCatalogSource(owner: VaultRef, server: string, sub: string): Promise<void>;
}

interface Secrets {
  access: string;
  refresh?: string;
  clientSecret?: string;
}

export function publicUrlOf(env: { PUBLIC_URL?: string }): string | null {
  try {
    const u = new URL((env.PUBLIC_URL ?? '').trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

const fail = (reason: Failure['reason'], message: string): Failure => ({ ok: false, reason, message });
const MISMATCH = fail('refused', 'vault owner mismatch');

export class VaultService {
  readonly #store: VaultStore;
  #crypto: VaultCrypto | null = null;
  #refreshing = new Map<string, Promise<TokenReply | null>>();

  constructor(
    storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly tenantVault: (tenant: string) => TenantVault,
  ) {
    this.#store = new VaultStore(storage);
  }

  get #net(): Net {
    return { allowPrivate: this.env.ALLOW_PRIVATE_UPSTREAMS === 'true' };
  }

  /**
   * The object serves one (tenant, sub): the first call fixes it; a call naming another gets null
   * (refused: nothing read or written). Only this Worker reaches the object, so a mismatch is a bug.
   */
  async #own(owner: VaultRef): Promise<VaultCrypto | null> {
    const stored = await this.#store.owner();
    if (!stored) await this.#store.setOwner(owner.tenant, owner.sub);
    else if (stored.tenant !== owner.tenant || stored.sub !== owner.sub) {
      log.error('vault owner mismatch', { tenant: owner.tenant });
      return null;
    }
    this.#crypto ??= new VaultCrypto(this.env, owner.tenant);
    return this.#crypto;
  }

  async link(owner: VaultRef, spec: UpstreamSpec, by: string, elicitationId?: string): Promise<Outcome<{ handle: string }>> {
    const c = await this.#own(owner);
    if (!c) return MISMATCH;
    if (!publicUrlOf(this.env)) return fail('config', "PUBLIC_URL is not set: upstream sign-in needs edgehub's public origin for its callback");
    const { clientSecret, ...rest } = spec;
    try {
      await this.#store.sweep();
      const handle = newRef(owner);
      const secret = clientSecret ? await c.seal(`link\u0000${spec.server}`, clientSecret) : undefined;
      const eid = typeof elicitationId === 'string' && elicitationId.length <= 100 ? { elicitationId } : {};
      await this.#store.putLink(handle, { spec: rest, secret, createdAt: Date.now(), by, ...eid });
      return { ok: true, handle };
    } catch (e) {
      if (e instanceof VaultKeyError) return fail('config', e.message);
      throw e;
    }
  }

  /**
   * What the confirmation page shows, and the origin of the authorization endpoint (its form's
   * redirect target, which the page's CSP must name). Discovery runs here so an unreachable
   * authorization server is named before the person confirms.
   */
  async describe(
    owner: VaultRef,
    handle: string,
  ): Promise<Outcome<{ server: string; resource: string; by: string; shared: boolean; issuer: string; authorizationOrigin: string }>> {
    if (!(await this.#own(owner))) return MISMATCH;
    const l = await this.#store.peekLink(handle);
    if (!l) return fail('expired', 'this link was already used or has expired: ask for a new one (call hub_connect again)');
    try {
      const as = await discover(l.spec.resource, this.#net);
      const authorizationOrigin = typeof as.authorization_endpoint === 'string' ? new URL(as.authorization_endpoint).origin : '';
      return { ok: true, server: l.spec.server, resource: l.spec.resource, by: l.by, shared: l.spec.mode === 'shared', issuer: as.issuer, authorizationOrigin };
    } catch (e) {
      return this.#failure(e);
    }
  }

  /** Consumes the link and starts the flow: the authorization URL to send the browser to, and the state. */
  async begin(owner: VaultRef, handle: string): Promise<Outcome<{ url: string; state: string }>> {
    const c = await this.#own(owner);
    if (!c) return MISMATCH;
    const link = await this.#store.takeLink(handle);
    if (!link) return fail('expired', 'this link was already used or has expired: ask for a new one (call hub_connect again)');
    const publicUrl = publicUrlOf(this.env);
    if (!publicUrl) return fail('config', 'PUBLIC_URL is not set');
    const redirectUri = `${publicUrl}${CALLBACK_PATH}`;
    try {
      const as = await discover(link.spec.resource, this.#net);
      const clientSecret = link.secret ? await c.open<string>(`link\u0000${link.spec.server}`, link.secret) : undefined;
      const clientId = await this.#clientId(owner, as, link.spec, redirectUri, publicUrl);
      const state = newRef(owner);
      const auth = await authorizationUrl(as, {
        clientId,
        redirectUri,
        state,
        resource: link.spec.resource,
        scopes: link.spec.scopes ?? (as.resource_scopes as string[] | undefined),
      });
      const sealedFlow = await c.seal(`flow\u0000${link.spec.server}`, { verifier: auth.verifier, clientSecret });
      await this.#store.putFlow(state, { ...link, as, clientId, redirectUri, sealedFlow, createdAt: Date.now() });
      return { ok: true, url: auth.url, state };
    } catch (e) {
      return this.#failure(e);
    }
  }

  /** Client identity, in order: edgehub's metadata document, a registration (RFC 7591), the configured client. */
  async #clientId(owner: VaultRef, as: AsMetadata, spec: Omit<UpstreamSpec, 'clientSecret'>, redirectUri: string, publicUrl: string): Promise<string> {
    if (as.client_id_metadata_document_supported === true) return `${publicUrl}/oauth/client.json`;
    if (typeof as.registration_endpoint === 'string') {
      const tv = this.tenantVault(owner.tenant);
      const known = await tv.registeredClient({ tenant: owner.tenant, sub: '' }, as.issuer);
      if (known) return known;
      const id = await register(as, redirectUri, 'edgehub', this.#net);
      await tv.saveClient({ tenant: owner.tenant, sub: '' }, as.issuer, id);
      return id;
    }
    if (spec.clientId) return spec.clientId;
    throw new AuthServerError(
      `the authorization server ${as.issuer} offers neither client metadata documents nor dynamic registration: set transport.auth.client_id (and client_secret) for ${spec.server}`,
    );
  }

  async complete(owner: VaultRef, state: string, callback: string): Promise<Outcome<{ server: string; elicitationId?: string }>> {
    const c = await this.#own(owner);
    if (!c) return MISMATCH;
    const flow = await this.#store.takeFlow(state);
    if (!flow) return fail('refused', 'unknown, used or expired state: start again from the link (call hub_connect again)');
    try {
      const { verifier, clientSecret } = await c.open<{ verifier: string; clientSecret?: string }>(`flow\u0000${flow.spec.server}`, flow.sealedFlow);
      const params = new URLSearchParams(callback);
      const tokens = await exchange(
        flow.as,
        { clientId: flow.clientId, clientSecret, redirectUri: flow.redirectUri, verifier, state, resource: flow.spec.resource },
        params,
        this.#net,
      );
      await this.#save(
        c,
        owner,
        { server: flow.spec.server, resource: flow.spec.resource, as: flow.as, clientId: flow.clientId, by: flow.by },
        tokens,
        clientSecret,
      );
      if (owner.sub) await this.tenantVault(owner.tenant).offerCatalogSource({ tenant: owner.tenant, sub: '' }, flow.spec.server, owner.sub);
      log.info('upstream grant stored', { tenant: owner.tenant, upstream: flow.spec.server, issuer: flow.as.issuer });
      return { ok: true, server: flow.spec.server, ...(flow.elicitationId ? { elicitationId: flow.elicitationId } : {}) };
    } catch (e) {
      return this.#failure(e);
    }
  }

  async #save(
    c: VaultCrypto,
    owner: VaultRef,
    g: Pick<GrantRecord, 'server' | 'resource' | 'as' | 'clientId' | 'by'> & { createdAt?: number },
    t: Tokens,
    clientSecret?: string,
  ): Promise<TokenReply> {
    const secrets: Secrets = { access: t.access, refresh: t.refresh, clientSecret };
    const fingerprint = (await sha256Hex(t.access)).slice(0, 16);
    const now = Date.now();
    await this.#store.putGrant({
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
  async token(owner: VaultRef, server: string, rejected?: string): Promise<Outcome<{ grant: TokenReply | null }>> {
    const c = await this.#own(owner);
    if (!c) return MISMATCH;
    const g = await this.#store.grant(server);
    if (!g) return { ok: true, grant: null };
    let secrets: Secrets;
    try {
      secrets = await c.open<Secrets>(`grant\u0000${owner.sub}\u0000${server}`, g.sealed);
    } catch (e) {
      if (e instanceof VaultKeyError) return fail('config', e.message);
      log.warn('upstream grant cannot be decrypted; dropped (was VAULT_KEY changed?)', { tenant: owner.tenant, upstream: server });
      await this.#store.deleteGrant(server);
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
      return this.#failure(e);
    }
  }

  async #refresh(c: VaultCrypto, owner: VaultRef, g: GrantRecord, s: Secrets, rejected: boolean): Promise<TokenReply | null> {
    const stillValid = !rejected && (g.expiresAt === 0 || g.expiresAt > Date.now());
    if (!s.refresh) {
      if (stillValid) return { token: s.access, expiresAt: g.expiresAt, fingerprint: g.fingerprint };
      await this.#store.deleteGrant(g.server);
      return null;
    }
    try {
      const t = await refresh(g.as, { clientId: g.clientId, clientSecret: s.clientSecret, resource: g.resource, refresh: s.refresh }, this.#net);
      log.info('upstream grant refreshed', { tenant: owner.tenant, upstream: g.server });
      return await this.#save(c, owner, g, t, s.clientSecret);
    } catch (e) {
      if (e instanceof GrantRevokedError || e instanceof oauth.ResponseBodyError) {
        log.info('upstream grant refused on refresh; the user is asked again', { tenant: owner.tenant, upstream: g.server });
        await this.#store.deleteGrant(g.server);
        return null;
      }
      if (stillValid) return { token: s.access, expiresAt: g.expiresAt, fingerprint: g.fingerprint };
      throw e;
    }
  }

  async list(owner: VaultRef): Promise<GrantSummary[]> {
    if (!(await this.#own(owner))) return [];
    return (await this.#store.grants()).map((g) => ({
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
  async revoke(owner: VaultRef, server: string): Promise<Outcome<{ revokedAtServer: boolean }>> {
    const c = await this.#own(owner);
    if (!c) return MISMATCH;
    const g = await this.#store.grant(server);
    if (!g) return fail('refused', `no grant for ${server}`);
    let revokedAtServer = false;
    try {
      const s = await c.open<Secrets>(`grant\u0000${owner.sub}\u0000${server}`, g.sealed);
      if (typeof g.as.revocation_endpoint === 'string') {
        // The refresh token first: revoking it ends the grant (RFC 7009 §2.1). A self-contained (JWT)
        // access token often cannot be revoked (`unsupported_token_type`); it ends at its expiry.
        const auth = { clientId: g.clientId, clientSecret: s.clientSecret };
        if (s.refresh) await revoke(g.as, { ...auth, token: s.refresh, hint: 'refresh_token' }, this.#net);
        await revoke(g.as, { ...auth, token: s.access, hint: 'access_token' }, this.#net).catch((e) => {
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
    await this.#store.deleteGrant(server);
    return { ok: true, revokedAtServer };
  }

  // ---- the tenant's shared vault only ----
  async registeredClient(owner: VaultRef, issuer: string): Promise<string | null> {
    if (!(await this.#own(owner))) return null;
    return (await this.#store.client(issuer))?.clientId ?? null;
  }
  async saveClient(owner: VaultRef, issuer: string, clientId: string): Promise<void> {
    if (!(await this.#own(owner))) return;
    await this.#store.putClient(issuer, { clientId, registeredAt: Date.now() });
  }
  async offerCatalogSource(owner: VaultRef, server: string, sub: string): Promise<void> {
    if (!(await this.#own(owner))) return;
    await this.#store.addCatalogSource(server, sub);
  }
  async catalogSources(owner: VaultRef, server: string): Promise<string[]> {
    if (!(await this.#own(owner))) return [];
    return this.#store.catalogSources(server);
  }
  async dropCatalogSource(owner: VaultRef, server: string, sub: string): Promise<void> {
    if (!(await this.#own(owner))) return;
    await this.#store.dropCatalogSource(server, sub);
  }

  #failure(e: unknown): Failure {
    if (e instanceof VaultKeyError) return fail('config', e.message);
    if (e instanceof AuthServerError) return fail('unreachable', e.message);
    if (e instanceof GrantRevokedError) return fail('refused', e.message);
    if (e instanceof oauth.AuthorizationResponseError)
      return fail('refused', `the authorization server refused: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`);
    if (e instanceof oauth.ResponseBodyError) return fail('refused', `the authorization server refused the code: ${e.error}`);
    if (e instanceof oauth.OperationProcessingError) return fail('refused', `the authorization response failed a check: ${e.message}`);
    throw e;
  }
}
