/**
 * VaultDO: one per (tenant, principal), named `${tenant}\0${sub}` (utils/do-stubs.ts); the empty
 * sub is the tenant's shared vault (shared grants, client registrations, catalog source). A thin
 * shell over VaultService (src/vault/service.ts): every public method is reachable over RPC from
 * this Worker only and delegates in one line.
 */
import { DurableObject } from 'cloudflare:workers';
import { vaultStub } from '../utils/do-stubs';
import type { VaultRef } from '../vault/refs';
import { VaultService } from '../vault/service';
import type { UpstreamSpec } from '../vault/spec';

export class VaultDO extends DurableObject<Env> {
  #service: VaultService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#service = new VaultService(ctx.storage, env, (tenant) => vaultStub(env, tenant, ''));
  }

  link(owner: VaultRef, spec: UpstreamSpec, by: string, elicitationId?: string) {
    return this.#service.link(owner, spec, by, elicitationId);
  }
  describe(owner: VaultRef, handle: string) {
    return this.#service.describe(owner, handle);
  }
  begin(owner: VaultRef, handle: string) {
    return this.#service.begin(owner, handle);
  }
  complete(owner: VaultRef, state: string, callback: string) {
    return this.#service.complete(owner, state, callback);
  }
  token(owner: VaultRef, server: string, rejected?: string) {
    return this.#service.token(owner, server, rejected);
  }
  list(owner: VaultRef) {
    return this.#service.list(owner);
  }
  revoke(owner: VaultRef, server: string) {
    return this.#service.revoke(owner, server);
  }
  registeredClient(owner: VaultRef, issuer: string) {
    return this.#service.registeredClient(owner, issuer);
  }
  saveClient(owner: VaultRef, issuer: string, clientId: string) {
    return this.#service.saveClient(owner, issuer, clientId);
  }
  offerCatalogSource(owner: VaultRef, server: string, sub: string) {
    return this.#service.offerCatalogSource(owner, server, sub);
  }
  catalogSources(owner: VaultRef, server: string) {
    return this.#service.catalogSources(owner, server);
  }
  dropCatalogSource(owner: VaultRef, server: string, sub: string) {
    return this.#service.dropCatalogSource(owner, server, sub);
  }
}
