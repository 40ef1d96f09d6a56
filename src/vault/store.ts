/**
 * The storage of one Vault Durable Object: one per (tenant, principal), plus one per tenant (the
 * empty principal) for shared grants, dynamic registrations and the catalog source. KV keys of
 * `ctx.storage`:
 *
 *   owner                  { tenant, sub } the object serves (set on first use, checked on every call)
 *   grant:<server>         GrantRecord: tokens sealed with AES-GCM under VAULT_KEY (never plain)
 *   link:<sha256(handle)>  LinkRecord: a consent link not yet followed (10 min, single use)
 *   flow:<sha256(state)>   FlowRecord: a flow at the authorization server (10 min, single use)
 *   client:<issuer>        ClientRecord: the client registered there (RFC 7591), tenant object only
 *   catalog:<server>       subs with a grant for server, oldest first, at most MAX_CATALOG_SOURCES:
 *                          whose grant lists the catalog for those without one (tenant object only)
 *
 * Invariants: plaintext tokens exist only in memory of a call; a record that fails to decrypt is
 * dropped (the user is asked again), never returned.
 */
import type { Sealed } from '../storage/secret-store';
import { hex } from '../utils/bytes';
import type { UpstreamSpec } from './spec';

export const LINK_TTL_MS = 10 * 60_000;
export const MAX_CATALOG_SOURCES = 16;

/** Authorization server metadata as discovered (public, kept to refresh and revoke without discovery). */
export type AsMetadata = Record<string, unknown> & { issuer: string };

export interface GrantRecord {
  server: string;
  resource: string;
  as: AsMetadata;
  clientId: string;
  /** JSON {access, refresh?, clientSecret?} sealed under the vault key. */
  sealed: Sealed;
  /** ms since epoch; 0 = the server gave no expiry. */
  expiresAt: number;
  scope?: string;
  /** First 16 hex digits of sha256(access token): which token a 401 was about. */
  fingerprint: string;
  createdAt: number;
  refreshedAt?: number;
  /** Who made it (the admin, for a shared grant). */
  by: string;
}

export interface LinkRecord {
  spec: Omit<UpstreamSpec, 'clientSecret'>;
  /** The configured client secret, sealed (a link can outlive nothing else). */
  secret?: Sealed;
  createdAt: number;
  by: string;
  /** The URL elicitation this link answers (notifications/elicitation/complete when done). */
  elicitationId?: string;
}

export interface FlowRecord extends LinkRecord {
  as: AsMetadata;
  clientId: string;
  redirectUri: string;
  /** JSON {verifier, clientSecret?} sealed. */
  sealedFlow: Sealed;
}

export interface ClientRecord {
  clientId: string;
  registeredAt: number;
}

export async function sha256Hex(s: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
}

export class VaultStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  async owner(): Promise<{ tenant: string; sub: string } | undefined> {
    return this.storage.get('owner');
  }
  async setOwner(tenant: string, sub: string): Promise<void> {
    await this.storage.put('owner', { tenant, sub });
  }

  grant(server: string): Promise<GrantRecord | undefined> {
    return this.storage.get(`grant:${server}`);
  }
  async grants(): Promise<GrantRecord[]> {
    return [...(await this.storage.list<GrantRecord>({ prefix: 'grant:' })).values()];
  }
  async putGrant(g: GrantRecord): Promise<void> {
    await this.storage.put(`grant:${g.server}`, g);
  }
  async deleteGrant(server: string): Promise<boolean> {
    return this.storage.delete(`grant:${server}`);
  }

  async putLink(handle: string, rec: LinkRecord): Promise<void> {
    await this.storage.put(`link:${await sha256Hex(handle)}`, rec);
  }
  /** The link, still valid and not consumed (the confirmation page reads it). */
  async peekLink(handle: string): Promise<LinkRecord | undefined> {
    const rec = await this.storage.get<LinkRecord>(`link:${await sha256Hex(handle)}`);
    return rec && Date.now() - rec.createdAt < LINK_TTL_MS ? rec : undefined;
  }
  /** The link, deleted as it is read (single use). */
  async takeLink(handle: string): Promise<LinkRecord | undefined> {
    const key = `link:${await sha256Hex(handle)}`;
    const rec = await this.storage.get<LinkRecord>(key);
    if (rec) await this.storage.delete(key);
    return rec && Date.now() - rec.createdAt < LINK_TTL_MS ? rec : undefined;
  }

  async putFlow(state: string, rec: FlowRecord): Promise<void> {
    await this.storage.put(`flow:${await sha256Hex(state)}`, rec);
  }
  async takeFlow(state: string): Promise<FlowRecord | undefined> {
    const key = `flow:${await sha256Hex(state)}`;
    const rec = await this.storage.get<FlowRecord>(key);
    if (rec) await this.storage.delete(key);
    return rec && Date.now() - rec.createdAt < LINK_TTL_MS ? rec : undefined;
  }

  client(issuer: string): Promise<ClientRecord | undefined> {
    return this.storage.get(`client:${issuer}`);
  }
  async putClient(issuer: string, rec: ClientRecord): Promise<void> {
    await this.storage.put(`client:${issuer}`, rec);
  }

  async catalogSources(server: string): Promise<string[]> {
    return (await this.storage.get<string[]>(`catalog:${server}`)) ?? [];
  }
  async addCatalogSource(server: string, sub: string): Promise<void> {
    const list = await this.catalogSources(server);
    if (!list.includes(sub) && list.length < MAX_CATALOG_SOURCES) await this.storage.put(`catalog:${server}`, [...list, sub]);
  }
  async dropCatalogSource(server: string, sub: string): Promise<void> {
    const list = await this.catalogSources(server);
    if (list.includes(sub))
      await this.storage.put(
        `catalog:${server}`,
        list.filter((x) => x !== sub),
      );
  }

  /** Drops expired links and flows (called on each new link: the object holds at most a few). */
  async sweep(): Promise<void> {
    const now = Date.now();
    for (const prefix of ['link:', 'flow:']) {
      const rows = await this.storage.list<LinkRecord>({ prefix });
      const stale = [...rows].filter(([, r]) => now - r.createdAt >= LINK_TTL_MS).map(([k]) => k);
      if (stale.length) await this.storage.delete(stale);
    }
  }
}
