/**
 * The access-token contract between the CLI (which mints: `edgehub auth init|token`, src/cli/lib/keys.mjs)
 * and the Worker (which verifies: keys.ts, verify.ts, scopes.ts). One copy of every rule both sides
 * apply, in plain ESM with JSDoc types so that the bin runs it directly under Node (no build step)
 * and the Worker imports it from TypeScript (tsconfig `allowJs`/`checkJs`; wrangler bundles it).
 * It must stay runtime-neutral: jose and WebCrypto only, no `node:` modules, no Worker bindings.
 *
 *   keys    RS256 = RSA-2048 (Magg's choice), ES256 = P-256, EdDSA = Ed25519; PKCS#8 private PEM,
 *           SPKI public PEM (the value of AUTH_PUBLIC_KEY); kid = RFC 7638 thumbprint
 *   tokens  header {alg, typ: JWT, kid}; claims iss, aud, sub, iat, exp, optional nbf, `scope`
 *           (space-separated) and `tenant` (omitted = "default")
 *   rules   tenant ^[a-z0-9][a-z0-9-]{0,62}$, sub 1–256 chars without control characters, scope
 *           tokens per RFC 6749 §3.3; the scopes edgehub knows are mcp:read, mcp:call, admin, connector
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, SignJWT } from 'jose';

/** The key families edgehub signs and verifies with (the Worker also accepts the header alias `Ed25519`). */
export const SIGNING_ALGS = /** @type {const} */ (['RS256', 'ES256', 'EdDSA']);
/** @typedef {(typeof SIGNING_ALGS)[number]} SigningAlg */

/** The scopes edgehub enforces (scopes.ts explains which operation needs which). */
export const SCOPES = /** @type {const} */ (['mcp:read', 'mcp:call', 'admin', 'connector']);
/** @typedef {(typeof SCOPES)[number]} Scope */

/** `iss` of CLI-minted tokens unless `auth init --issuer` says otherwise; AUTH_ISSUER must equal it. */
export const DEFAULT_ISSUER = 'edgehub-cli';
/** The tenant of a token without a `tenant` claim. */
export const DEFAULT_TENANT = 'default';

export const TENANT_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SUB_RE = /^[^\x00-\x1f\x7f]{1,256}$/;
/** RFC 6749 §3.3 scope-token (bounded to 128 characters). */
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/** @param {unknown} v @returns {v is string} */
export const isTenant = (v) => typeof v === 'string' && TENANT_RE.test(v);
/** @param {unknown} v @returns {v is string} */
export const isSubject = (v) => typeof v === 'string' && SUB_RE.test(v);
/** @param {unknown} v @returns {v is string} */
export const isScopeToken = (v) => typeof v === 'string' && SCOPE_TOKEN_RE.test(v);

/** A space- or comma-separated scope list, deduplicated in order (entries not validated). @param {string | undefined} v */
export function splitScopeList(v) {
  return [...new Set((v ?? '').split(/[\s,]+/).filter(Boolean))];
}

/** The `kid` edgehub gives a key: the RFC 7638 thumbprint of its public part. @param {CryptoKey} key a public key, or an extractable private key */
export async function keyThumbprint(key) {
  const { kty, crv, e, n, x, y } = await exportJWK(key);
  return calculateJwkThumbprint(/** @type {import('jose').JWK} */ ({ kty, crv, e, n, x, y }));
}

/**
 * @typedef {object} SigningKeys
 * @property {SigningAlg} alg
 * @property {string} kid
 * @property {CryptoKey} publicKey
 * @property {CryptoKey} privateKey
 * @property {string} publicPem SPKI PEM: the value for AUTH_PUBLIC_KEY
 * @property {string} privatePem PKCS#8 PEM: keep it secret, never commit it
 */

/** @param {SigningAlg} [alg] @returns {Promise<SigningKeys>} */
export async function generateSigningKeys(alg = 'RS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  return {
    alg,
    kid: await keyThumbprint(publicKey),
    publicKey,
    privateKey,
    publicPem: await exportSPKI(publicKey),
    privatePem: await exportPKCS8(privateKey),
  };
}

/**
 * Imports a PKCS#8 private key PEM (extractable, for its thumbprint), detecting RS256 / ES256 / EdDSA.
 * @param {string} privatePem
 * @returns {Promise<{ alg: SigningAlg, privateKey: CryptoKey, kid: string }>}
 */
export async function importSigningKey(privatePem) {
  for (const alg of SIGNING_ALGS) {
    let privateKey;
    try {
      privateKey = await importPKCS8(privatePem, alg, { extractable: true });
    } catch {
      continue; // try the next family
    }
    return { alg, privateKey, kid: await keyThumbprint(privateKey) };
  }
  throw new Error('not an RSA, P-256 or Ed25519 PKCS#8 private key');
}

/**
 * Imports an SPKI public key PEM (extractable), detecting RS256 / ES256 / EdDSA.
 * @param {string} pem one `PUBLIC KEY` block
 * @returns {Promise<{ alg: SigningAlg, key: CryptoKey }>}
 */
export async function importPublicKey(pem) {
  for (const alg of SIGNING_ALGS) {
    try {
      return { alg, key: await importSPKI(pem, alg, { extractable: true }) };
    } catch {
      /* try the next family */
    }
  }
  throw new Error('a PUBLIC KEY block is neither RSA, P-256 nor Ed25519');
}

/**
 * @typedef {object} TokenClaims
 * @property {string} iss
 * @property {string | string[]} aud
 * @property {string} sub
 * @property {string} [tenant]
 * @property {string | string[]} [scope] space-separated string or list; omitted when undefined
 * @property {number} [ttlSec] lifetime in seconds from `now` (default 3600); ignored when `exp` is given
 * @property {number} [exp]
 * @property {number} [nbf]
 * @property {number} [iat]
 * @property {Record<string, unknown>} [extra] any other claims (tests: `scp`, `jti`, malformed values)
 */

/**
 * @typedef {object} SignOptions
 * @property {SigningAlg} alg
 * @property {string} [kid] header `kid`; omitted when undefined (the Worker then tries every key of the alg)
 * @property {number} [now] epoch seconds used for iat/exp; default now
 */

/**
 * Signs an access token: header {alg, typ: "JWT", kid?}, payload {…extra, scope?, tenant?, nbf?, iss, aud, sub, iat, exp}.
 * @param {CryptoKey} privateKey @param {TokenClaims} claims @param {SignOptions} o
 * @returns {Promise<string>}
 */
export async function signAccessToken(privateKey, claims, o) {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  /** @type {Record<string, unknown>} */
  const payload = { ...claims.extra };
  if (claims.scope !== undefined) payload.scope = Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope;
  if (claims.tenant !== undefined) payload.tenant = claims.tenant;
  if (claims.nbf !== undefined) payload.nbf = claims.nbf;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: o.alg, typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + (claims.ttlSec ?? 3600))
    .sign(privateKey);
}
