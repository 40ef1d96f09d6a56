/**
 * Key generation and token minting for `edgehub auth init|token` (Node CLI) and tests. Never
 * imported by the Worker: edgehub only verifies. Keys are Magg-compatible (RSA-2048, RS256,
 * SPKI public PEM, PKCS#8 private PEM); ES256 and EdDSA (Ed25519) are offered too.
 * Tokens carry iss, aud, sub, iat, exp (Magg's claims), plus optional nbf, `scope` (space-separated)
 * and `tenant`; `kid` is the public key's RFC 7638 thumbprint, as keys.ts computes it.
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKeys {
  alg: SigningAlg;
  kid: string;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  /** SPKI PEM: the value for AUTH_PUBLIC_KEY. */
  publicPem: string;
  /** PKCS#8 PEM: keep it secret, never commit it. */
  privatePem: string;
}

export async function generateSigningKeys(alg: SigningAlg = 'RS256'): Promise<SigningKeys> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  return {
    alg,
    kid: await calculateJwkThumbprint(await exportJWK(publicKey)),
    publicKey,
    privateKey,
    publicPem: await exportSPKI(publicKey),
    privatePem: await exportPKCS8(privateKey),
  };
}

/** Imports a PKCS#8 private key PEM, detecting RS256 / ES256 / EdDSA. */
export async function importSigningKey(privatePem: string): Promise<{ alg: SigningAlg; privateKey: CryptoKey }> {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    try {
      return { alg, privateKey: await importPKCS8(privatePem, alg) };
    } catch {
      /* next family */
    }
  }
  throw new Error('not an RSA, P-256 or Ed25519 PKCS#8 private key');
}

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  tenant?: string;
  /** Space-separated string or list; omitted when undefined. */
  scope?: string | string[];
  /** Lifetime in seconds from `now` (default 3600); ignored when `exp` is given. */
  ttlSec?: number;
  exp?: number;
  nbf?: number;
  iat?: number;
  /** Any other claims (e.g. `scp`, `jti`). */
  extra?: Record<string, unknown>;
}

export interface SignOptions {
  alg: SigningAlg;
  kid?: string;
  /** Epoch seconds used for iat/exp (tests); default now. */
  now?: number;
}

export async function signAccessToken(privateKey: CryptoKey, claims: TokenClaims, o: SignOptions): Promise<string> {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...claims.extra };
  if (claims.tenant !== undefined) payload.tenant = claims.tenant;
  if (claims.scope !== undefined) payload.scope = Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope;
  if (claims.nbf !== undefined) payload.nbf = claims.nbf;
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: o.alg, typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + (claims.ttlSec ?? 3600));
  return jwt.sign(privateKey);
}
