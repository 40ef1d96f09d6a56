/**
 * Who signed in: an OpenID Connect ID token's claims → the person edgehub knows (pure).
 *
 * - `sub`: the ID token's `sub`, prefixed by nothing (one provider per deployment).
 * - tenant: the claim named by OIDC_TENANT_CLAIM (a string, or the first string of an array, as
 *   Keycloak/Okta `groups` claims are); unset → the default tenant. A claim that is missing or not a
 *   valid tenant name refuses the sign-in with a message, never a silent default tenant.
 * - who may sign in: OAUTH_ALLOWED (subjects, verified emails, `@domain`s); empty = everyone the
 *   provider signs in.
 * - allowed scopes: OAUTH_DEFAULT_SCOPES, plus `admin` when the subject or the (verified) email is
 *   listed in OAUTH_ADMINS. A grant never carries more than these; what an app gets is narrowed
 *   further to what it asked for (routes/oauth.tsx).
 * - claims for tool policies (`principal.claims` in CEL): the ID token's claims at sign-in, less
 *   those about the token itself (PROTOCOL_CLAIMS), at most MAX_CLAIMS_BYTES of JSON.
 */
import { DEFAULT_TENANT, isSubject, isTenant } from '../auth/tokens.mjs';
import type { OAuthSettings } from './settings';

export interface Identity {
  sub: string;
  tenant: string;
  email?: string;
  name?: string;
  /** Scopes this person may grant an app (admin included when listed). */
  scopes: string[];
  /** The ID token's claims for tool policies (policyClaims); absent in sessions made before they were kept. */
  claims?: Record<string, unknown>;
}

/** Claims about the ID token itself, not the person: not kept (`acr`, `amr`, `auth_time` are). */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'at_hash', 'c_hash', 's_hash', 'azp', 'sid', 'jti']);
/** They travel in every grant and sign-in session: a provider's 500-group claim is cut, not carried. */
export const MAX_CLAIMS_BYTES = 4096;

/** The claims kept for policies: whole values in the token's order while they fit MAX_CLAIMS_BYTES. */
export function policyClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let size = 2;
  for (const [k, v] of Object.entries(claims)) {
    if (PROTOCOL_CLAIMS.has(k) || v === undefined) continue;
    const n = JSON.stringify(k).length + JSON.stringify(v).length + 2;
    if (size + n > MAX_CLAIMS_BYTES) continue;
    out[k] = v;
    size += n;
  }
  return out;
}

export type IdentityResult = { ok: true; identity: Identity } | { ok: false; message: string };

function claimValue(claims: Record<string, unknown>, name: string): unknown {
  // Dotted names reach nested claims (`realm_access.roles`, `https://example.com/claims.tenant` is
  // tried whole first because URL-named claims are common).
  if (name in claims) return claims[name];
  let v: unknown = claims;
  for (const part of name.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Whether `admin` is allowed for this subject/email under the current OAUTH_ADMINS. */
export function isAdmin(settings: Pick<OAuthSettings, 'admins'>, sub: string, email?: string): boolean {
  return settings.admins.has(sub.toLowerCase()) || (!!email && settings.admins.has(email.toLowerCase()));
}

/** Whether this subject/email may use edgehub under the current OAUTH_ALLOWED (empty: everyone). */
export function isAllowed(settings: Pick<OAuthSettings, 'allowed'>, sub: string, email?: string): boolean {
  if (!settings.allowed.size) return true;
  const e = email?.toLowerCase();
  return settings.allowed.has(sub.toLowerCase()) || (!!e && (settings.allowed.has(e) || settings.allowed.has(`@${e.split('@').pop()}`)));
}

export function identityFromClaims(claims: Record<string, unknown>, settings: OAuthSettings): IdentityResult {
  const sub = claims.sub;
  if (!isSubject(sub)) return { ok: false, message: 'the provider returned an ID token without a usable `sub` claim' };
  let tenant = DEFAULT_TENANT;
  if (settings.tenantClaim) {
    let v = claimValue(claims, settings.tenantClaim);
    if (Array.isArray(v)) v = v.find((x) => typeof x === 'string');
    if (typeof v === 'string') v = v.replace(/^\//, '').toLowerCase();
    if (!isTenant(v))
      return {
        ok: false,
        message: `your account has no usable '${settings.tenantClaim}' claim (OIDC_TENANT_CLAIM): it must name a tenant (lowercase letters, digits, '-'); ask your administrator to set it at the provider`,
      };
    tenant = v;
  }
  // Only a verified email may grant admin (a provider that lets users type any email must not).
  const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : undefined;
  if (!isAllowed(settings, sub, email)) return { ok: false, message: 'your account is not allowed to use this edgehub (OAUTH_ALLOWED); ask its administrator' };
  const scopes = [...settings.defaultScopes];
  if (isAdmin(settings, sub, email)) scopes.push('admin');
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined;
  return { ok: true, identity: { sub, tenant, email, name, scopes, claims: policyClaims(claims) } };
}
