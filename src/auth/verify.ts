/**
 * Access-token verification (pure, no Hono): a compact JWS → a Principal, or a tagged refusal.
 *
 * Checks, in order: shape and size, `alg` in the allow-list (RS256, ES256, EdDSA — never HS* or
 * `none`, so a public key can never be used as an HMAC secret), signature against the local ring
 * then the remote JWKS, `iss` (exact), `aud` (any accepted value), `exp` (required) and `nbf` with
 * a small clock tolerance, `sub` (required), `tenant` (default "default"), scopes.
 * Refusal messages name the failed check only: they never quote the token or its claims.
 */
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, type ProtectedHeaderParameters } from 'jose';
import { ALGORITHMS, type KeyRing, keyAlgFor } from './keys';
import type { Principal } from './principal';
import { scopesFromClaims } from './scopes';
import { DEFAULT_TENANT, isSubject, isTenant, TENANT_RE } from './tokens.mjs';

export { DEFAULT_TENANT, TENANT_RE };

export type VerifyFailure =
  | 'malformed'
  | 'unsupported_alg'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_claims'
  | 'bad_tenant'
  | 'keys_unavailable';

export type VerifyResult = { ok: true; principal: Principal; expiresAt: number } | { ok: false; reason: VerifyFailure; message: string };

export interface VerifyOptions {
  keys: KeyRing;
  issuer: string;
  audience: string[];
  clockToleranceSec: number;
  /** Scopes for a token with no scope claim. */
  defaultScopes: readonly string[];
  currentDate?: Date;
}

/** Larger than any sane access token; bounds the work an anonymous request can cause. */
export const MAX_TOKEN_CHARS = 16 * 1024;
const VIEW_CLAIM_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const MESSAGES: Record<VerifyFailure, string> = {
  malformed: 'the access token is not a well-formed JWT',
  unsupported_alg: `the token's signature algorithm is not accepted (use one of ${ALGORITHMS.join(', ')})`,
  unknown_key: 'no configured key matches the token (kid/alg)',
  bad_signature: 'the token signature is invalid',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet (nbf)',
  wrong_issuer: 'the token was issued by an issuer this server does not accept (iss)',
  wrong_audience: 'the token was not issued for this resource (aud)',
  bad_claims: 'the token lacks a required claim (sub, exp) or has a malformed one',
  bad_tenant: `the token tenant claim is not a valid tenant name (${TENANT_RE.source})`,
  keys_unavailable: 'the authorization server keys could not be fetched; retry later',
};

const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason, message: MESSAGES[reason] });

function classify(e: unknown): VerifyFailure | 'next_key' {
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'next_key';
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return 'not_yet_valid';
    if (e.claim === 'iss') return 'wrong_issuer';
    if (e.claim === 'aud') return 'wrong_audience';
    return 'bad_claims';
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return 'unsupported_alg';
  // JWTInvalid, JWSInvalid, JOSENotSupported (e.g. a short RSA key), TypeError from bad input.
  return 'malformed';
}

/** Candidate keys for this header: local first (an exact `kid` match alone), then the remote JWKS. */
async function candidates(h: ProtectedHeaderParameters, ring: KeyRing): Promise<CryptoKey[] | VerifyFailure> {
  const family = keyAlgFor(String(h.alg));
  if (!family) return 'unsupported_alg';
  const sameAlg = ring.local.filter((k) => k.alg === family);
  const byKid = h.kid !== undefined ? sameAlg.filter((k) => k.kid === h.kid) : [];
  const local = (byKid.length ? byKid : sameAlg).map((k) => k.key);
  if (local.length || !ring.remote) return local.length ? local : 'unknown_key';
  try {
    return [(await ring.remote(h as Parameters<typeof ring.remote>[0], undefined as never)) as CryptoKey];
  } catch (e) {
    if (e instanceof errors.JWKSMultipleMatchingKeys) {
      const keys: CryptoKey[] = [];
      for await (const k of e as unknown as AsyncIterable<CryptoKey>) keys.push(k);
      return keys;
    }
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JOSENotSupported) return 'unknown_key';
    return 'keys_unavailable'; // timeout, network, invalid JWKS document
  }
}

export async function verifyAccessToken(token: string, o: VerifyOptions): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS || !COMPACT_JWS.test(token)) return fail('malformed');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed');
  }
  if (typeof header.alg !== 'string' || !(ALGORITHMS as readonly string[]).includes(header.alg)) return fail('unsupported_alg');
  const keys = await candidates(header, o.keys);
  if (typeof keys === 'string') return fail(keys);

  let payload: JWTPayload | null = null;
  for (const key of keys) {
    try {
      payload = (
        await jwtVerify(token, key, {
          algorithms: [header.alg],
          issuer: o.issuer,
          audience: o.audience,
          clockTolerance: o.clockToleranceSec,
          requiredClaims: ['exp', 'sub'],
          currentDate: o.currentDate,
        })
      ).payload;
      break;
    } catch (e) {
      const why = classify(e);
      if (why !== 'next_key') return fail(why);
    }
  }
  if (!payload) return fail('bad_signature');

  if (!isSubject(payload.sub)) return fail('bad_claims');
  const tenant = payload.tenant === undefined ? DEFAULT_TENANT : payload.tenant;
  if (!isTenant(tenant)) return fail('bad_tenant');
  const scopes = scopesFromClaims(payload as Record<string, unknown>) ?? [...o.defaultScopes];
  // Optional view claims (README "Tool search, code mode and profiles"); checked where they are used.
  const view: { profile?: string; mode?: string } = {};
  for (const k of ['profile', 'mode'] as const) {
    const v = payload[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !VIEW_CLAIM_RE.test(v)) return fail('bad_claims');
    view[k] = v;
  }
  const claims = Object.freeze({ ...payload });
  return { ok: true, principal: Object.freeze({ sub: payload.sub, tenant, scopes: Object.freeze(scopes), ...view, claims }), expiresAt: payload.exp as number };
}
