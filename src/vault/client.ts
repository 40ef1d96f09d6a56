/**
 * The gateway's view of the vault for one upstream of one tenant: tokens for a principal (or the
 * tenant's shared grant), the catalog's token, and consent links. Each call is one RPC to the
 * principal's VaultDO; callers cache tokens in memory until REFRESH_AHEAD_MS before they end.
 */
import { vaultStub } from '../utils/do-stubs';
import { CLIENT_DOCUMENT_PATH, publicUrlOf, type TokenReply } from './service';
import type { UpstreamSpec } from './spec';

export const START_PATH = '/oauth/upstream/start';

export class VaultUnavailableError extends Error {
  readonly code = 'VAULT_UNAVAILABLE';
}

function unwrap<R extends { ok: boolean; message?: string }>(o: R): Exclude<R, { ok: false }> {
  if (!o.ok) throw new VaultUnavailableError(o.message);
  return o as Exclude<R, { ok: false }>;
}

export interface GrantSource {
  readonly spec: UpstreamSpec;
  /** The principal's token (shared mode: the tenant's), or null when there is no grant. */
  token(sub: string, rejected?: string): Promise<TokenReply | null>;
  /** A token to list the catalog with when the caller has none: the shared grant, else the first working user's. */
  catalogToken(): Promise<{ sub: string; grant: TokenReply } | null>;
  /** A single-use consent link for `sub` (shared mode: an admin's link to the shared grant). */
  consentLink(sub: string, elicitationId?: string): Promise<string>;
}

export function vaultGrants(env: Env, tenant: string, spec: UpstreamSpec): GrantSource {
  const owner = (sub: string) => ({ tenant, sub: spec.mode === 'shared' ? '' : sub });
  const stub = (sub: string) => {
    const o = owner(sub);
    return { o, s: vaultStub(env, o.tenant, o.sub) };
  };
  return {
    spec,
    async token(sub, rejected) {
      const { o, s } = stub(sub);
      return unwrap(await s.token(o, spec.server, rejected)).grant;
    },
    async catalogToken() {
      const shared = { tenant, sub: '' };
      const t = vaultStub(env, tenant, '');
      const own = unwrap(await t.token(shared, spec.server)).grant;
      if (own) return { sub: '', grant: own };
      if (spec.mode === 'shared') return null;
      // The first user whose grant still works (a lost grant leaves the list).
      for (const src of await t.catalogSources(shared, spec.server)) {
        const g = unwrap(await vaultStub(env, tenant, src).token({ tenant, sub: src }, spec.server)).grant;
        if (g) return { sub: src, grant: g };
        await t.dropCatalogSource(shared, spec.server, src);
      }
      return null;
    },
    async consentLink(sub, elicitationId) {
      const { o, s } = stub(sub);
      const r = unwrap(await s.link(o, spec, sub, elicitationId));
      return `${publicUrlOf(env)}${START_PATH}?h=${encodeURIComponent(r.handle)}`;
    },
  };
}

export { CLIENT_DOCUMENT_PATH };
