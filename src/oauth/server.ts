/**
 * edgehub's OAuth 2.1 authorization server (AUTH_MODE=oauth), built on
 * `@cloudflare/workers-oauth-provider`'s role API (`OAuthAuthorizationServer`), one instance per
 * PUBLIC_URL per isolate.
 *
 * The library owns: RFC 8414 metadata (`/.well-known/oauth-authorization-server`), the token
 * endpoint `/token` (code exchange with PKCE S256, refresh with rotation, RFC 7009 revocation),
 * RFC 7591 registration `/register`, the authorization-request checks (exact redirect_uri, PKCE
 * required for public clients, RFC 8707 `resource` against the registry), grants and hashed tokens
 * in OAUTH_KV, consent handles bound to the browser. edgehub owns: the `/authorize` page and
 * sign-in (routes/oauth.tsx), metadata documents (cimd.ts), RFC 9728 metadata naming edgehub
 * (routes/well-known.ts), and mapping a validated token to a Principal (below).
 *
 * Resources: PUBLIC_URL itself (/git, /admin, /admin/api and /mcp; the root RFC 9728 document and
 * the challenges outside /mcp name it) and `${PUBLIC_URL}/mcp` (the MCP endpoint's own resource:
 * its challenge and path-form RFC 9728 document name it, so MCP clients ask for it; such a token
 * is accepted on /mcp only). Any other `resource` → invalid_target.
 */
import { OAuthAuthorizationServer, type OAuthHelpers } from '@cloudflare/workers-oauth-provider';
import type { Principal } from '../auth/principal';
import { SCOPES } from '../auth/scopes';
import { log } from '../observability/log';
import { isAdmin, isAllowed } from './identity';
import type { OAuthEnv, OAuthSettings } from './settings';

export const AUTHORIZE_PATH = '/authorize';
export const TOKEN_PATH = '/token';
export const REGISTER_PATH = '/register';
export const CALLBACK_PATH = '/oauth/callback';
/** Access tokens live an hour; refresh tokens rotate on use and end 30 days after sign-in. */
const ACCESS_TOKEN_TTL = 3600;

/** What a grant stores (encrypted by the library; handed back on every validated token). */
export interface GrantProps {
  sub: string;
  tenant: string;
  email?: string;
  /** The person's ID-token claims at sign-in, for tool policies (oauth/identity.ts policyClaims). */
  claims?: Record<string, unknown>;
}

const servers = new Map<string, OAuthAuthorizationServer<OAuthEnv>>();

export function mcpResource(settings: Pick<OAuthSettings, 'publicUrl'>): string {
  return `${settings.publicUrl}/mcp`;
}

export function authorizationServer(settings: OAuthSettings): OAuthAuthorizationServer<OAuthEnv> {
  let s = servers.get(settings.publicUrl);
  if (!s) {
    s = new OAuthAuthorizationServer<OAuthEnv>({
      issuer: settings.publicUrl,
      resources: [settings.publicUrl, mcpResource(settings)],
      defaultResource: settings.publicUrl,
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      clientRegistrationEndpoint: REGISTER_PATH,
      scopesSupported: [...SCOPES],
      accessTokenTTL: ACCESS_TOKEN_TTL,
      // One line per refusal at the token/registration endpoints: the code and the failed check, never a token.
      onError: ({ code, status, internal }) => {
        log.info('oauth request refused', { code, status, reason: internal?.reason });
      },
    });
    if (servers.size > 4) servers.clear();
    servers.set(settings.publicUrl, s);
  }
  return s;
}

export function oauthApi(settings: OAuthSettings, env: OAuthEnv): OAuthHelpers {
  return authorizationServer(settings).getOAuthApi(env);
}

/**
 * The KV user id of a person: tenant and subject (a grant belongs to both), `<tenant>.<sub>` with
 * the subject percent-encoded: the library keys grants `grant:<userId>:<grantId>`, lists them by
 * prefix and refuses a `:` in a user id. Tenants hold no `.`, so the first `.` separates.
 */
export function userIdOf(p: { tenant: string; sub: string }): string {
  return `${p.tenant}.${encodeURIComponent(p.sub)}`;
}

/**
 * A bearer token → the Principal it acts for, or null (not ours, expired, revoked, wrong resource).
 * `admin` stays only while the person is still listed in OAUTH_ADMINS, and any access only while
 * OAUTH_ALLOWED admits them: removing someone takes effect on their next request, not when their
 * grant ends.
 */
export async function principalFromToken(settings: OAuthSettings, env: OAuthEnv, token: string, path: string): Promise<Principal | null> {
  const as = authorizationServer(settings);
  let v = await as.validateToken<GrantProps>(settings.publicUrl, token, env);
  if (!v && (path === '/mcp' || path.startsWith('/mcp/'))) v = await as.validateToken<GrantProps>(mcpResource(settings), token, env);
  if (!v?.props || typeof v.props.sub !== 'string' || typeof v.props.tenant !== 'string') return null;
  if (!isAllowed(settings, v.props.sub, v.props.email)) return null; // removed from OAUTH_ALLOWED since
  const scopes = v.scope.filter((s) => s !== 'admin' || isAdmin(settings, v.props.sub, v.props.email));
  return { sub: v.props.sub, tenant: v.props.tenant, scopes, ...(v.props.claims ? { claims: v.props.claims } : {}) };
}
