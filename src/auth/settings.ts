/**
 * Auth settings read from Worker vars/secrets, per request (cheap: string work only).
 *
 *   AUTH_MODE                   `jwt` (anything but exactly `dev-open` or `oauth` is jwt: a typo fails
 *                               closed); `oauth`: edgehub is its own authorization server (src/oauth),
 *                               PUBLIC_URL is then the issuer and the resource identifier
 *   AUTH_PUBLIC_KEY             PEM(s) / JWK / JWKS, optionally base64 (keys.ts); a var or a secret
 *   AUTH_JWKS_URL               an external authorization server's JWKS (https)
 *   AUTH_ISSUER                 required in jwt mode: the exact `iss` tokens must carry
 *   AUTH_AUDIENCE               comma-separated accepted `aud` values. The first URL among them is
 *                               the resource identifier in RFC 9728 metadata (Magg-style non-URL
 *                               audiences are accepted too).
 *   PUBLIC_URL                  edgehub's public origin (e.g. https://hub.example.com); when
 *                               AUTH_AUDIENCE is empty the audience is `${PUBLIC_URL}/mcp`.
 *                               jwt mode needs one of the two: the audience is never derived from
 *                               the request's Host, which the caller controls (a token minted for
 *                               another deployment would otherwise pass by sending its Host).
 *   AUTH_AUTHORIZATION_SERVERS  comma-separated AS issuer URLs for the metadata; default AUTH_ISSUER
 *                               when it is a URL
 *   AUTH_DEFAULT_SCOPES         scopes for tokens with no `scope`/`scp` claim (default none: such a
 *                               token can do nothing; set "mcp:read mcp:call" to accept old Magg tokens)
 */
import { parseScopeList } from './scopes';

export type AuthMode = 'dev-open' | 'jwt' | 'oauth';

/** The Worker vars this module reads; AUTH_PUBLIC_KEY is usually a secret, so it is optional here. */
export interface AuthEnv {
  AUTH_MODE?: string;
  AUTH_PUBLIC_KEY?: string;
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  AUTH_AUTHORIZATION_SERVERS?: string;
  AUTH_DEFAULT_SCOPES?: string;
  PUBLIC_URL?: string;
}

export interface AuthSettings {
  mode: AuthMode;
  publicKey: string;
  jwksUrl: string;
  issuer: string;
  /** Accepted `aud` values. */
  audience: string[];
  /** This server's resource identifier (RFC 9728/8707): the first audience that is a URL, else `<origin>/mcp`. */
  resource: string;
  authorizationServers: string[];
  defaultScopes: string[];
  /** What is missing for jwt mode to accept any token (empty when usable). */
  problems: string[];
}

/** Seconds of clock skew tolerated on `exp`/`nbf`. */
export const CLOCK_TOLERANCE_SEC = 30;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function readAuthSettings(env: AuthEnv, requestUrl: string): AuthSettings {
  const mode: AuthMode = env.AUTH_MODE === 'dev-open' ? 'dev-open' : env.AUTH_MODE === 'oauth' ? 'oauth' : 'jwt';
  const publicKey = env.AUTH_PUBLIC_KEY ?? '';
  const jwksUrl = (env.AUTH_JWKS_URL ?? '').trim();
  const issuer = (env.AUTH_ISSUER ?? '').trim();
  const publicUrl = (env.PUBLIC_URL ?? '').trim().replace(/\/+$/, '');
  const configured = list(env.AUTH_AUDIENCE);
  if (!configured.length && publicUrl && isHttpUrl(publicUrl)) configured.push(`${publicUrl}/mcp`);
  // Only for the metadata and challenge pointers when nothing is configured (then no token passes).
  const fallback = `${new URL(requestUrl).origin}/mcp`;
  const audience = configured;
  const as = list(env.AUTH_AUTHORIZATION_SERVERS);
  const problems: string[] = [];
  if (mode === 'jwt') {
    if (!publicKey.trim() && !jwksUrl)
      problems.push(
        'no token verification key is configured: set AUTH_PUBLIC_KEY (PEM public key, e.g. from `edgehub auth init`) or AUTH_JWKS_URL (your authorization server JWKS)',
      );
    if (!issuer) problems.push('AUTH_ISSUER is not set: set it to the exact `iss` of the tokens you accept');
    if (!audience.length)
      problems.push(
        publicUrl
          ? `PUBLIC_URL '${publicUrl}' is not an http(s) URL: set it to edgehub's public origin, e.g. https://hub.example.com`
          : "no token audience is configured: set PUBLIC_URL (edgehub's public origin; the audience is then <PUBLIC_URL>/mcp) or AUTH_AUDIENCE (the exact `aud` values you accept)",
      );
  }
  if (mode === 'oauth') {
    // The resource is PUBLIC_URL itself; what else sign-in needs is checked by src/oauth/settings.ts.
    const resource = publicUrl && isHttpUrl(publicUrl) ? new URL(publicUrl).origin : '';
    return {
      mode,
      publicKey: '',
      jwksUrl: '',
      issuer: resource,
      audience: resource ? [resource] : [],
      resource: resource || new URL(requestUrl).origin,
      authorizationServers: resource ? [resource] : [],
      defaultScopes: [],
      problems: resource ? [] : ["PUBLIC_URL is not set: AUTH_MODE=oauth needs edgehub's public origin, e.g. https://hub.example.com"],
    };
  }
  return {
    mode,
    publicKey,
    jwksUrl,
    issuer,
    audience,
    resource: audience.find(isHttpUrl) ?? fallback,
    authorizationServers: as.length ? as : issuer && isHttpUrl(issuer) ? [issuer] : [],
    defaultScopes: parseScopeList(env.AUTH_DEFAULT_SCOPES),
    problems,
  };
}

/**
 * RFC 9728 §3.1: the metadata URL of a resource inserts the well-known segment between the
 * host and the resource's path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}
