/**
 * What an upstream's `transport.auth` says about OAuth (Magg's own field): `"oauth"` is a per-user
 * grant (each principal signs in for themselves); `{"type": "oauth", "mode": "shared"}` is one
 * tenant-wide grant made by an admin. Optional `client_id`, `client_secret` (`${SECRET}` resolved
 * from the tenant's store like headers), `scopes` (a list or a space-separated string).
 */
import type { ResolvedSecrets, ServerConfig } from '../config/schema';
import { authSecretRefs, resolveSecrets } from '../config/secrets';

export type GrantMode = 'user' | 'shared';

export interface UpstreamAuth {
  mode: GrantMode;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
}

/** What the vault needs to run a flow for one upstream (no secret but the configured client's). */
export interface UpstreamSpec extends UpstreamAuth {
  server: string;
  /** The upstream's URL: the RFC 8707 resource and the only origin its tokens are sent to. */
  resource: string;
}

type RawAuth = { type?: unknown; mode?: unknown; client_id?: unknown; client_secret?: unknown; scopes?: unknown };

/** True when the entry asks for OAuth (either mode). */
export function isOAuthServer(s: ServerConfig): boolean {
  const a = s.transport?.auth;
  return a === 'oauth' || (typeof a === 'object' && a !== null && (a as RawAuth).type === 'oauth');
}

/** The entry's OAuth settings, or null when it is not an OAuth upstream. Throws MissingSecretError on an unset secret. */
export function upstreamAuth(s: ServerConfig, secrets: ResolvedSecrets | undefined): UpstreamAuth | null {
  if (!isOAuthServer(s)) return null;
  const a = s.transport?.auth;
  if (typeof a === 'string') return { mode: 'user' };
  const raw = a as RawAuth;
  const scopes = Array.isArray(raw.scopes)
    ? raw.scopes.filter((x): x is string => typeof x === 'string')
    : typeof raw.scopes === 'string'
      ? raw.scopes.split(/\s+/).filter(Boolean)
      : undefined;
  const secret = resolveSecrets(authSecretRefs(s), secrets).client_secret;
  return {
    mode: raw.mode === 'shared' ? 'shared' : 'user',
    ...(typeof raw.client_id === 'string' && raw.client_id ? { clientId: raw.client_id } : {}),
    ...(secret ? { clientSecret: secret } : {}),
    ...(scopes?.length ? { scopes } : {}),
  };
}
