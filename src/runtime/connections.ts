/**
 * A principal's upstream connections (the `/connections` API, the dashboard page and
 * `edgehub connections`): which OAuth upstreams of the tenant they are signed in to, a fresh consent
 * link (connect / reconnect), and revoke (at the authorization server, then forgotten). Admins also
 * see, per OAuth upstream, whether the grant it needs exists (shared) or whether anyone has signed
 * in yet (per user). Never a token: the vault's summaries carry none.
 */
import type { Principal } from '../auth/principal';
import { configApi } from '../config/api';
import { vaultStub } from '../utils/do-stubs';
import { vaultGrants } from '../vault/client';
import type { GrantSummary } from '../vault/service';
import { isOAuthServer, upstreamAuth } from '../vault/spec';
import { notifyGrant } from './grant-notify';

export interface ConnectionRow {
  server: string;
  mode: 'user' | 'shared';
  connected: boolean;
  grant?: Omit<GrantSummary, 'server'>;
}

export interface UpstreamNeed {
  server: string;
  mode: 'user' | 'shared';
  /** null when usable by someone; else whose grant is missing. */
  needs: 'an admin (shared sign-in)' | 'any user (nobody signed in yet)' | null;
}

export type ConnectionsReply =
  | { ok: true; connections: ConnectionRow[]; upstreams?: UpstreamNeed[] }
  | { ok: false; status: 400 | 403 | 404 | 503; message: string };

async function oauthServers(env: Env, tenant: string) {
  const snap = await configApi(env, tenant).snapshot(0);
  if (!snap) return { servers: [] as [string, 'user' | 'shared'][], snap };
  const servers = Object.entries(snap.config.servers)
    .filter(([, s]) => s.enabled !== false && isOAuthServer(s))
    .map(
      ([n, s]) =>
        [n, typeof s.transport?.auth === 'object' && (s.transport.auth as { mode?: unknown }).mode === 'shared' ? 'shared' : 'user'] as [
          string,
          'user' | 'shared',
        ],
    );
  return { servers, snap };
}

export async function listConnections(env: Env, p: Principal): Promise<ConnectionsReply> {
  const { servers } = await oauthServers(env, p.tenant);
  const own = await vaultStub(env, p.tenant, p.sub).list({ tenant: p.tenant, sub: p.sub });
  const shared = await vaultStub(env, p.tenant, '').list({ tenant: p.tenant, sub: '' });
  const connections = servers.map(([server, mode]): ConnectionRow => {
    const g = (mode === 'shared' ? shared : own).find((x) => x.server === server);
    const { server: _s, ...grant } = g ?? ({} as GrantSummary);
    return { server, mode, connected: !!g, ...(g ? { grant } : {}) };
  });
  if (!p.scopes.includes('admin')) return { ok: true, connections };
  const t = { tenant: p.tenant, sub: '' };
  const upstreams = await Promise.all(
    servers.map(async ([server, mode]): Promise<UpstreamNeed> => {
      if (mode === 'shared') return { server, mode, needs: shared.some((g) => g.server === server) ? null : 'an admin (shared sign-in)' };
      const src = await vaultStub(env, p.tenant, '').catalogSources(t, server);
      return { server, mode, needs: src.length ? null : 'any user (nobody signed in yet)' };
    }),
  );
  return { ok: true, connections, upstreams };
}

async function spec(env: Env, p: Principal, server: string) {
  const { snap } = await oauthServers(env, p.tenant);
  const entry = snap?.config.servers[server];
  if (!entry || !isOAuthServer(entry))
    return { error: { ok: false as const, status: 404 as const, message: `no OAuth upstream named '${server}' in tenant ${p.tenant}` } };
  const auth = upstreamAuth(entry, snap?.secrets);
  if (!auth || !entry.uri) return { error: { ok: false as const, status: 400 as const, message: `${server} has no uri` } };
  if (auth.mode === 'shared' && !p.scopes.includes('admin'))
    return { error: { ok: false as const, status: 403 as const, message: `${server} uses the tenant's shared sign-in: only an admin connects or revokes it` } };
  return { auth: { ...auth, server, resource: entry.uri } };
}

/** A consent link for `server` (connect, or reconnect: the new grant replaces the old one when done). */
export async function connectLink(
  env: Env,
  p: Principal,
  server: string,
): Promise<{ ok: true; url: string } | { ok: false; status: 400 | 403 | 404 | 503; message: string }> {
  const s = await spec(env, p, server).catch((e: Error) => ({ error: { ok: false as const, status: 400 as const, message: e.message } }));
  if ('error' in s && s.error) return s.error;
  try {
    return { ok: true, url: await vaultGrants(env, p.tenant, s.auth!).consentLink(p.sub) };
  } catch (e) {
    return { ok: false, status: 503, message: e instanceof Error ? e.message : String(e) };
  }
}

/** Revokes the caller's grant (shared: the tenant's, admins only) at the authorization server and forgets it. */
export async function revokeConnection(
  env: Env,
  p: Principal,
  server: string,
): Promise<{ ok: true; revokedAtServer: boolean } | { ok: false; status: 400 | 403 | 404; message: string }> {
  const { snap } = await oauthServers(env, p.tenant);
  const entry = snap?.config.servers[server];
  const shared = !!entry && typeof entry.transport?.auth === 'object' && (entry.transport.auth as { mode?: unknown }).mode === 'shared';
  if (shared && !p.scopes.includes('admin')) return { ok: false, status: 403, message: `${server} uses the tenant's shared sign-in: only an admin revokes it` };
  const owner = { tenant: p.tenant, sub: shared ? '' : p.sub };
  const r = await vaultStub(env, owner.tenant, owner.sub).revoke(owner, server);
  if (!r.ok) return { ok: false, status: 404, message: r.message };
  if (!shared) await vaultStub(env, p.tenant, '').dropCatalogSource({ tenant: p.tenant, sub: '' }, server, p.sub);
  // Sessions reconnect without the grant; listen streams relist.
  await notifyGrant(env, p.tenant, owner.sub, server);
  return { ok: true, revokedAtServer: r.revokedAtServer };
}
