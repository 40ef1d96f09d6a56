/**
 * edgehub as an OpenID Connect relying party (the identity step of AUTH_MODE=oauth): discovery,
 * the authorization-code request with PKCE (S256), `state` and `nonce`, the code exchange, and the
 * ID token verified with jose against the provider's JWKS (signature, `iss`, `aud` = our client id,
 * `exp`, `nonce`). Every fetch goes through the SSRF guard (net/ssrf.ts): an https provider, or a
 * loopback one when ALLOW_PRIVATE_UPSTREAMS=true (tests, local development).
 *
 * Discovery documents and JWKS sets are cached per isolate (10 minutes; jose refetches the JWKS on
 * an unknown `kid`). A provider that cannot be reached or answers nonsense raises ProviderError,
 * which the routes turn into a 503 page naming the provider.
 */
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { guardedFetch } from '../net/ssrf';
import type { OAuthSettings } from './settings';

export class ProviderError extends Error {
  readonly code = 'OIDC_PROVIDER_UNAVAILABLE';
}

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

const TTL_MS = 10 * 60_000;
const TIMEOUT_MS = 8000;
const discovered = new Map<string, { at: number; meta: ProviderMetadata }>();
const jwksSets = new Map<string, JWTVerifyGetKey>();

function providerFetch(settings: OAuthSettings): typeof fetch {
  return guardedFetch(settings.allowPrivate);
}

export async function discover(settings: OAuthSettings): Promise<ProviderMetadata> {
  const key = settings.oidcIssuer;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.meta;
  const url = `${key}/.well-known/openid-configuration`;
  let meta: ProviderMetadata;
  try {
    const res = await providerFetch(settings)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    meta = (await res.json()) as ProviderMetadata;
  } catch (e) {
    throw new ProviderError(`the sign-in provider ${key} is unreachable (${e instanceof Error ? e.message : 'fetch failed'}); try again later`);
  }
  for (const f of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
    if (typeof meta[f] !== 'string') throw new ProviderError(`the sign-in provider ${key} published discovery metadata without ${f}`);
  // OpenID Connect Discovery §4.3: the issuer in the document must be the one we asked.
  if (meta.issuer !== key && meta.issuer !== `${key}/`)
    throw new ProviderError(`the sign-in provider's discovery names issuer '${meta.issuer}', not OIDC_ISSUER '${key}'`);
  if (discovered.size > 8) discovered.clear();
  discovered.set(key, { at: Date.now(), meta });
  return meta;
}

export interface LoginParams {
  state: string;
  nonce: string;
  codeChallenge: string;
  redirectUri: string;
}

export function authorizationUrl(settings: OAuthSettings, meta: ProviderMetadata, p: LoginParams): string {
  const u = new URL(meta.authorization_endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', settings.clientId);
  u.searchParams.set('redirect_uri', p.redirectUri);
  u.searchParams.set('scope', 'openid email profile');
  u.searchParams.set('state', p.state);
  u.searchParams.set('nonce', p.nonce);
  u.searchParams.set('code_challenge', p.codeChallenge);
  u.searchParams.set('code_challenge_method', 'S256');
  return u.toString();
}

function jwks(settings: OAuthSettings, uri: string): JWTVerifyGetKey {
  let set = jwksSets.get(uri);
  if (!set) {
    const opts: Parameters<typeof createRemoteJWKSet>[1] = { timeoutDuration: TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: TTL_MS };
    (opts as Record<symbol, unknown>)[customFetch] = providerFetch(settings);
    set = createRemoteJWKSet(new URL(uri), opts);
    if (jwksSets.size > 8) jwksSets.clear();
    jwksSets.set(uri, set);
  }
  return set;
}

export type ExchangeResult = { ok: true; claims: Record<string, unknown> } | { ok: false; message: string };

/** Code → tokens at the provider, then the ID token verified. The provider's tokens are dropped. */
export async function exchangeCode(
  settings: OAuthSettings,
  meta: ProviderMetadata,
  code: string,
  verifier: string,
  redirectUri: string,
  nonce: string,
): Promise<ExchangeResult> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (settings.clientSecret) {
    // RFC 6749 §2.3.1: client_secret_basic, form-urlencoded id and secret.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${btoa(`${enc(settings.clientId)}:${enc(settings.clientSecret)}`)}`;
  } else body.set('client_id', settings.clientId);
  let res: Response;
  try {
    res = await providerFetch(settings)(meta.token_endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new ProviderError(`the sign-in provider ${settings.oidcIssuer} is unreachable (${e instanceof Error ? e.message : 'fetch failed'}); try again later`);
  }
  if (res.status >= 500) throw new ProviderError(`the sign-in provider ${settings.oidcIssuer} answered ${res.status} to the code exchange; try again later`);
  const json = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown; error_description?: unknown };
  if (!res.ok) return { ok: false, message: `the provider refused the sign-in code (${String(json.error ?? res.status)}); start again` };
  if (typeof json.id_token !== 'string') return { ok: false, message: 'the provider returned no ID token (is the `openid` scope allowed for this client?)' };
  try {
    const { payload } = await jwtVerify(json.id_token, jwks(settings, meta.jwks_uri), {
      issuer: meta.issuer,
      audience: settings.clientId,
      clockTolerance: 30,
      algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA', 'Ed25519', 'RS384', 'RS512', 'ES384'],
    });
    if (payload.nonce !== nonce) return { ok: false, message: 'the ID token does not carry this sign-in’s nonce; start again' };
    return { ok: true, claims: payload as Record<string, unknown> };
  } catch (e) {
    if (e instanceof errors.JWKSTimeout || (e instanceof Error && /fetch|network/i.test(e.message)))
      throw new ProviderError(`the sign-in provider ${settings.oidcIssuer} keys could not be fetched; try again later`);
    return { ok: false, message: `the provider's ID token failed verification (${e instanceof Error ? e.message : 'invalid'})` };
  }
}
