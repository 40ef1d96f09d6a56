/**
 * edgehub as the OAuth client of an upstream's authorization server, with oauth4webapi: RFC 9728
 * protected-resource metadata → RFC 8414 (or OpenID) metadata, client identity, PKCE S256,
 * `resource` (RFC 8707) = the upstream's URL, the response's `iss` checked (RFC 9207: oauth4webapi
 * requires it when the server advertises it and compares it whenever present), refresh and RFC 7009
 * revocation. Every request goes through the SSRF guard with a bounded timeout; a server that
 * cannot be reached raises AuthServerError naming it.
 */
import * as oauth from 'oauth4webapi';
import { guardedFetch } from '../net/ssrf';
import type { AsMetadata } from './store';

export const AS_TIMEOUT_MS = 8000;

export class AuthServerError extends Error {
  readonly code = 'UPSTREAM_AUTH_SERVER';
}
/** The grant is gone at the authorization server (invalid_grant on refresh): ask the user again. */
export class GrantRevokedError extends Error {
  readonly code = 'UPSTREAM_GRANT_REVOKED';
}

export interface Net {
  allowPrivate: boolean;
}

function opts(net: Net) {
  return {
    [oauth.customFetch]: guardedFetch(net.allowPrivate),
    [oauth.allowInsecureRequests]: net.allowPrivate,
    signal: AbortSignal.timeout(AS_TIMEOUT_MS),
  };
}

async function reach<T>(who: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant') throw new GrantRevokedError(`the authorization server ${who} revoked the grant`);
    if (e instanceof oauth.ResponseBodyError || e instanceof oauth.AuthorizationResponseError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new AuthServerError(`the authorization server ${who} is unreachable or answered nonsense (${why}); try again later`);
  }
}

/**
 * RFC 9728 at the upstream, then the first authorization server's metadata (RFC 8414, else
 * OpenID). `scopes_supported` of the resource is kept as `resource_scopes` (the default scope
 * when the entry configures none).
 */
export async function discover(resource: string, net: Net): Promise<AsMetadata> {
  const prm = await reach(new URL(resource).origin, async () => {
    const url = new URL(resource);
    return oauth.processResourceDiscoveryResponse(url, await oauth.resourceDiscoveryRequest(url, opts(net)));
  });
  const issuer = prm.authorization_servers?.[0];
  if (!issuer) throw new AuthServerError(`${resource} publishes protected-resource metadata without authorization_servers`);
  const resourceScopes = Array.isArray(prm.scopes_supported) ? prm.scopes_supported : undefined;
  return reach(issuer, async () => {
    const id = new URL(issuer);
    for (const algorithm of ['oauth2', 'oidc'] as const) {
      const res = await oauth.discoveryRequest(id, { ...opts(net), algorithm });
      if (res.status === 404) continue;
      const as = (await oauth.processDiscoveryResponse(id, res)) as AsMetadata;
      return resourceScopes ? { ...as, resource_scopes: resourceScopes } : as;
    }
    throw new Error('no RFC 8414 or OpenID metadata');
  });
}

const asOf = (m: AsMetadata) => m as unknown as oauth.AuthorizationServer;

/** RFC 7591 registration of edgehub as a public client (PKCE, no secret) at `as`. */
export async function register(as: AsMetadata, redirectUri: string, name: string, net: Net): Promise<string> {
  return reach(as.issuer, async () => {
    const res = await oauth.dynamicClientRegistrationRequest(
      asOf(as),
      {
        client_name: name,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      opts(net),
    );
    return (await oauth.processDynamicClientRegistrationResponse(res)).client_id;
  });
}

function clientAuth(as: AsMetadata, secret: string | undefined): oauth.ClientAuth {
  if (!secret) return oauth.None();
  const methods = as.token_endpoint_auth_methods_supported;
  return Array.isArray(methods) && !methods.includes('client_secret_basic') ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}

export interface Authorization {
  url: string;
  verifier: string;
}

export async function authorizationUrl(
  as: AsMetadata,
  p: { clientId: string; redirectUri: string; state: string; resource: string; scopes?: string[] },
): Promise<Authorization> {
  if (typeof as.authorization_endpoint !== 'string') throw new AuthServerError(`${as.issuer} has no authorization_endpoint`);
  const verifier = oauth.generateRandomCodeVerifier();
  const u = new URL(as.authorization_endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', p.clientId);
  u.searchParams.set('redirect_uri', p.redirectUri);
  u.searchParams.set('state', p.state);
  u.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  u.searchParams.set('resource', p.resource);
  if (p.scopes?.length) u.searchParams.set('scope', p.scopes.join(' '));
  return { url: u.toString(), verifier };
}

export interface Tokens {
  access: string;
  refresh?: string;
  expiresAt: number;
  scope?: string;
}

function tokensOf(r: oauth.TokenEndpointResponse, previousRefresh?: string): Tokens {
  return {
    access: r.access_token,
    refresh: r.refresh_token ?? previousRefresh,
    expiresAt: typeof r.expires_in === 'number' ? Date.now() + r.expires_in * 1000 : 0,
    ...(r.scope ? { scope: r.scope } : {}),
  };
}

/** The callback: state and `iss` checked, code exchanged with the PKCE verifier and the resource. */
export async function exchange(
  as: AsMetadata,
  p: { clientId: string; clientSecret?: string; redirectUri: string; verifier: string; state: string; resource: string },
  callback: URLSearchParams,
  net: Net,
): Promise<Tokens> {
  const client = { client_id: p.clientId };
  const params = oauth.validateAuthResponse(asOf(as), client, callback, p.state);
  return reach(as.issuer, async () => {
    const res = await oauth.authorizationCodeGrantRequest(asOf(as), client, clientAuth(as, p.clientSecret), params, p.redirectUri, p.verifier, {
      ...opts(net),
      additionalParameters: { resource: p.resource },
    });
    return tokensOf(await oauth.processAuthorizationCodeResponse(asOf(as), client, res));
  });
}

export async function refresh(as: AsMetadata, p: { clientId: string; clientSecret?: string; resource: string; refresh: string }, net: Net): Promise<Tokens> {
  const client = { client_id: p.clientId };
  return reach(as.issuer, async () => {
    const res = await oauth.refreshTokenGrantRequest(asOf(as), client, clientAuth(as, p.clientSecret), p.refresh, {
      ...opts(net),
      additionalParameters: { resource: p.resource },
    });
    return tokensOf(await oauth.processRefreshTokenResponse(asOf(as), client, res), p.refresh);
  });
}

/** RFC 7009 at the server, when it has a revocation endpoint. Failures are the caller's to log. */
export async function revoke(as: AsMetadata, p: { clientId: string; clientSecret?: string; token: string; hint: string }, net: Net): Promise<void> {
  if (typeof as.revocation_endpoint !== 'string') return;
  await reach(as.issuer, async () => {
    const res = await oauth.revocationRequest(asOf(as), { client_id: p.clientId }, clientAuth(as, p.clientSecret), p.token, {
      ...opts(net),
      additionalParameters: { token_type_hint: p.hint },
    });
    await oauth.processRevocationResponse(res);
  });
}
