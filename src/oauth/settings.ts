/**
 * Settings of AUTH_MODE=oauth, read from Worker vars and secrets per request (string work only).
 *
 *   PUBLIC_URL            required: edgehub's public origin, the issuer (RFC 8414) and the resource
 *                         identifier (RFC 8707/9728) of /mcp, /git, /admin and /admin/api
 *   OIDC_ISSUER           the OpenID provider people sign in at (discovery: /.well-known/openid-configuration)
 *   OIDC_CLIENT_ID        edgehub's client id at that provider
 *   OIDC_CLIENT_SECRET    its secret (a Worker secret; empty = a public client, PKCE only)
 *   OIDC_TENANT_CLAIM     ID-token claim naming the tenant (empty: the default tenant)
 *   OAUTH_DEFAULT_SCOPES  scopes a signed-in person may grant (default `mcp:read mcp:call`)
 *   OAUTH_ADMINS          comma/space-separated subjects or emails who may also grant `admin`
 *   OAUTH_ALLOWED         who may sign in at all: subjects, emails or `@domain`s (empty: everyone the
 *                         provider signs in — then restrict sign-in at the provider)
 *   ALLOW_PRIVATE_UPSTREAMS  "true" lets loopback http CIMD documents and a loopback provider in (dev/tests)
 */
import { parseScopeList } from '../auth/scopes';

export interface OAuthEnv {
  AUTH_MODE?: string;
  PUBLIC_URL?: string;
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_TENANT_CLAIM?: string;
  OAUTH_DEFAULT_SCOPES?: string;
  OAUTH_ADMINS?: string;
  OAUTH_ALLOWED?: string;
  ALLOW_PRIVATE_UPSTREAMS?: string;
  OAUTH_KV?: KVNamespace;
}

export interface OAuthSettings {
  /** Issuer and resource: the origin, no trailing slash. */
  publicUrl: string;
  oidcIssuer: string;
  clientId: string;
  clientSecret: string;
  tenantClaim: string;
  defaultScopes: string[];
  admins: Set<string>;
  /** Empty: anyone the provider signs in. */
  allowed: Set<string>;
  allowPrivate: boolean;
  /** What is missing for sign-in to work (empty when usable). */
  problems: string[];
}

export const DEFAULT_OAUTH_SCOPES = ['mcp:read', 'mcp:call'];

function origin(raw: string): string | null {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return u.pathname === '/' && !u.search && !u.hash ? u.origin : null;
  } catch {
    return null;
  }
}

export function readOAuthSettings(env: OAuthEnv): OAuthSettings {
  const rawPublic = (env.PUBLIC_URL ?? '').trim().replace(/\/+$/, '');
  const publicUrl = origin(rawPublic) ?? '';
  const oidcIssuer = (env.OIDC_ISSUER ?? '').trim().replace(/\/+$/, '');
  const clientId = (env.OIDC_CLIENT_ID ?? '').trim();
  const scopes = env.OAUTH_DEFAULT_SCOPES?.trim() ? parseScopeList(env.OAUTH_DEFAULT_SCOPES) : DEFAULT_OAUTH_SCOPES;
  const problems: string[] = [];
  if (!publicUrl)
    problems.push(
      rawPublic
        ? `PUBLIC_URL '${rawPublic}' is not an origin: set it to edgehub's public origin, e.g. https://hub.example.com (no path)`
        : "PUBLIC_URL is not set: AUTH_MODE=oauth needs edgehub's public origin (the issuer and resource), e.g. https://hub.example.com",
    );
  if (!oidcIssuer) problems.push('OIDC_ISSUER is not set: set it to your OpenID provider (e.g. https://accounts.google.com)');
  if (!clientId) problems.push('OIDC_CLIENT_ID is not set: register edgehub at your provider with the callback <PUBLIC_URL>/oauth/callback');
  if (!env.OAUTH_KV) problems.push('the OAUTH_KV binding is missing (wrangler.toml [[kv_namespaces]])');
  return {
    publicUrl,
    oidcIssuer,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET ?? '',
    tenantClaim: (env.OIDC_TENANT_CLAIM ?? '').trim(),
    defaultScopes: scopes.filter((s) => s !== 'admin'),
    admins: lowerSet(env.OAUTH_ADMINS),
    allowed: lowerSet(env.OAUTH_ALLOWED),
    allowPrivate: env.ALLOW_PRIVATE_UPSTREAMS === 'true',
    problems,
  };
}

function lowerSet(v: string | undefined): Set<string> {
  return new Set(
    (v ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

export const isOAuthMode = (env: { AUTH_MODE?: string }) => env.AUTH_MODE === 'oauth';
