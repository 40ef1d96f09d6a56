/**
 * What a Vault Durable Object does (durable-objects/vault.ts delegates every method here): consent
 * links, flows at the upstream's authorization server, and the grants they produce, for the one
 * principal (or, with the empty sub, the tenant's shared grants) the object is named after.
 *
 * Replies are tagged results, never thrown errors (they cross a DO stub). Tokens leave only through
 * `token()`, to the gateway runtime that attaches them to requests for their own upstream.
 */
import { log } from '../observability/log';
import { AuthServerError, authorizationUrl, discover, exchange, type Net, register } from './flow';
import { GrantKeeper, type GrantSummary, type TokenReply } from './grants';
import { VaultCrypto, VaultKeyError } from './keys';
import { fail, failure, MISMATCH, type Outcome } from './outcome';
import { newRef, type VaultRef } from './refs';
import type { UpstreamSpec } from './spec';
import { type AsMetadata, VaultStore } from './store';

export { type GrantSummary, REFRESH_AHEAD_MS, type TokenReply } from './grants';
export type { Failure, Outcome } from './outcome';

export const CALLBACK_PATH = '/oauth/upstream/callback';
export const CLIENT_DOCUMENT_PATH = '/oauth/client.json';

/** The tenant's shared vault as a user vault sees it (registrations, catalog source). */
export interface TenantVault {
  registeredClient(owner: VaultRef, issuer: string): Promise<string | null>;
  saveClient(owner: VaultRef, issuer: string, clientId: string): Promise<void>;
  offerCatalogSource(owner: VaultRef, server: string, sub: string): Promise<void>;
}

export function publicUrlOf(env: { PUBLIC_URL?: string }): string | null {
  try {
    const u = new URL((env.PUBLIC_URL ?? '').trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

const EXPIRED = fail('expired', 'this link was already used or has expired: ask for a new one (call hub_connect again)');

export class VaultService {
  readonly #store: VaultStore;
  readonly #grants: GrantKeeper;
  #crypto: VaultCrypto | null = null;

  constructor(
    storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly tenantVault: (tenant: string) => TenantVault,
  ) {
    this.#store = new VaultStore(storage);
    this.#grants = new GrantKeeper(this.#store, () => this.#net);
  }

  get #net(): Net {
    return { allowPrivate: this.env.ALLOW_PRIVATE_UPSTREAMS === 'true' };
  }

  /**
   * The object serves one (tenant, sub), fixed by the first write (`create`: a consent link, a
   * registration or catalog source, all made by the Worker for an authenticated principal). A call
   * naming another gets null (refused); a read of an object never written gets undefined and
   * writes nothing, so a forged handle naming any (tenant, sub) stores nothing anywhere.
   * Only this Worker reaches the object, so a mismatch is a bug.
   */
  async #own(owner: VaultRef, create = false): Promise<VaultCrypto | null | undefined> {
    const stored = await this.#store.owner();
    if (!stored) {
      if (!create) return undefined;
      await this.#store.setOwner(owner.tenant, owner.sub);
    } else if (stored.tenant !== owner.tenant || stored.sub !== owner.sub) {
      log.error('vault owner mismatch', { tenant: owner.tenant });
      return null;
    }
    this.#crypto ??= new VaultCrypto(this.env, owner.tenant);
    return this.#crypto;
  }

  async link(owner: VaultRef, spec: UpstreamSpec, by: string, elicitationId?: string): Promise<Outcome<{ handle: string }>> {
    const c = await this.#own(owner, true);
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
    const c = await this.#own(owner);
    if (c === null) return MISMATCH;
    const l = c && (await this.#store.peekLink(handle));
    if (!l) return EXPIRED;
    try {
      const as = await discover(l.spec.resource, this.#net);
      const authorizationOrigin = typeof as.authorization_endpoint === 'string' ? new URL(as.authorization_endpoint).origin : '';
      return { ok: true, server: l.spec.server, resource: l.spec.resource, by: l.by, shared: l.spec.mode === 'shared', issuer: as.issuer, authorizationOrigin };
    } catch (e) {
      return failure(e);
    }
  }

  /** Consumes the link and starts the flow: the authorization URL to send the browser to, and the state. */
  async begin(owner: VaultRef, handle: string): Promise<Outcome<{ url: string; state: string }>> {
    const c = await this.#own(owner);
    if (c === null) return MISMATCH;
    if (!c) return EXPIRED;
    const link = await this.#store.takeLink(handle);
    if (!link) return EXPIRED;
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
      return failure(e);
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
    if (c === null) return MISMATCH;
    const flow = c && (await this.#store.takeFlow(state));
    if (!c || !flow) return fail('refused', 'unknown, used or expired state: start again from the link (call hub_connect again)');
    try {
      const { verifier, clientSecret } = await c.open<{ verifier: string; clientSecret?: string }>(`flow\u0000${flow.spec.server}`, flow.sealedFlow);
      const params = new URLSearchParams(callback);
      const tokens = await exchange(
        flow.as,
        { clientId: flow.clientId, clientSecret, redirectUri: flow.redirectUri, verifier, state, resource: flow.spec.resource },
        params,
        this.#net,
      );
      await this.#grants.save(
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
      return failure(e);
    }
  }

  /**
   * A usable access token for `server` (GrantKeeper.token); null = no grant (needs authorization).
   */
  async token(owner: VaultRef, server: string, rejected?: string): Promise<Outcome<{ grant: TokenReply | null }>> {
    const c = await this.#own(owner);
    if (!c) return c === null ? MISMATCH : { ok: true, grant: null };
    return this.#grants.token(c, owner, server, rejected);
  }

  async list(owner: VaultRef): Promise<GrantSummary[]> {
    return (await this.#own(owner)) ? this.#grants.list() : [];
  }

  /** Revokes at the authorization server (best effort, bounded) and forgets the grant. */
  async revoke(owner: VaultRef, server: string): Promise<Outcome<{ revokedAtServer: boolean }>> {
    const c = await this.#own(owner);
    if (!c) return c === null ? MISMATCH : fail('refused', `no grant for ${server}`);
    return this.#grants.revoke(c, owner, server);
  }

  // ---- the tenant's shared vault only ----
  async registeredClient(owner: VaultRef, issuer: string): Promise<string | null> {
    if (!(await this.#own(owner))) return null;
    return (await this.#store.client(issuer))?.clientId ?? null;
  }
  async saveClient(owner: VaultRef, issuer: string, clientId: string): Promise<void> {
    if (!(await this.#own(owner, true))) return;
    await this.#store.putClient(issuer, { clientId, registeredAt: Date.now() });
  }
  async offerCatalogSource(owner: VaultRef, server: string, sub: string): Promise<void> {
    if (!(await this.#own(owner, true))) return;
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
}
