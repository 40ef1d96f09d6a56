/**
 * Verification keys: the local key ring from AUTH_PUBLIC_KEY and the remote JWKS of an external
 * authorization server (AUTH_JWKS_URL).
 *
 * AUTH_PUBLIC_KEY accepts, so a value survives `wrangler secret put`, `--var` and `.dev.vars`:
 * - one or more concatenated PEM blocks: `PUBLIC KEY` (SPKI: RSA ≥ 2048 → RS256, P-256 → ES256,
 *   Ed25519 → EdDSA — Magg's `auth public-key` output is an RSA SPKI PEM) or `CERTIFICATE`;
 * - a JWK or a JWKS (`{"keys": [...]}`) as JSON;
 * - any of those base64-encoded, or with literal `\n` escapes instead of newlines.
 * Invariant: a configuration error (a private key, a PKCS#1 block, garbage) makes the whole ring
 * unusable — every request is refused with the error — rather than silently dropping a key.
 *
 * Rings are cached per isolate by their configuration strings; the remote JWKS is jose's
 * createRemoteJWKSet (fetch timeout 5 s, cache 10 min, refetch on an unknown `kid` at most
 * every 30 s), so a warm isolate verifies without a subrequest.
 */

import { createRemoteJWKSet, customFetch, importJWK, importX509, type JWK, type JWTVerifyGetKey } from 'jose';
import { isLoopback } from '../net/loopback.mjs';
import { importPublicKey, keyThumbprint, SIGNING_ALGS, type SigningAlg } from './tokens.mjs';

/** The signature algorithms edgehub accepts (never HS*, never `none`). */
export const ALGORITHMS = [...SIGNING_ALGS, 'Ed25519'] as const;
export type KeyAlg = SigningAlg;

export interface VerifyKey {
  alg: KeyAlg;
  key: CryptoKey;
  /** RFC 7638 thumbprint, or the JWK's own `kid`. Tokens without `kid` try every key of their alg. */
  kid: string;
}

export interface KeyRing {
  local: VerifyKey[];
  remote: JWTVerifyGetKey | null;
  /** Configuration errors; non-empty means: refuse every token and say this. */
  errors: string[];
}

export interface KeySource {
  publicKey?: string;
  jwksUrl?: string;
  /** Test hook: the fetch jose uses for the JWKS. */
  fetchImpl?: typeof fetch;
}

/** Maps a token's `alg` header to the key family that verifies it. */
export function keyAlgFor(alg: string): KeyAlg | null {
  if (alg === 'RS256' || alg === 'ES256') return alg;
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'EdDSA';
  return null;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function normalise(raw: string): string {
  let text = raw.trim().replace(/\\n/g, '\n');
  if (!text.includes('-----BEGIN') && !text.startsWith('{')) {
    try {
      const decoded = atob(text.replace(/\s+/g, ''));
      if (decoded.includes('-----BEGIN') || decoded.trim().startsWith('{')) text = decoded.trim().replace(/\\n/g, '\n');
    } catch {
      /* not base64: reported below as unrecognised */
    }
  }
  return text;
}

async function fromCertificate(pem: string): Promise<{ alg: KeyAlg; key: CryptoKey }> {
  for (const alg of SIGNING_ALGS) {
    try {
      return { alg, key: await importX509(pem, alg, { extractable: true }) };
    } catch {
      /* try the next family */
    }
  }
  throw new Error('a CERTIFICATE block holds no RSA, P-256 or Ed25519 key');
}

function algOfJwk(jwk: JWK): KeyAlg | null {
  if (jwk.alg) return keyAlgFor(jwk.alg);
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return null;
}

async function withKid(alg: KeyAlg, key: CryptoKey, kid?: string): Promise<VerifyKey> {
  if (key.type !== 'public') throw new Error('only public keys may be configured');
  if (alg === 'RS256') {
    const bits = (key.algorithm as { modulusLength: number }).modulusLength;
    if (bits < 2048) throw new Error(`RSA keys need at least 2048 bits (got ${bits})`);
  }
  return { alg, key, kid: kid ?? (await keyThumbprint(key)) };
}

/** Parses AUTH_PUBLIC_KEY. Never throws: problems come back in `errors` (they never quote key material). */
export async function parsePublicKeys(raw: string): Promise<{ keys: VerifyKey[]; errors: string[] }> {
  const keys: VerifyKey[] = [];
  const errors: string[] = [];
  const text = normalise(raw);
  if (!text) return { keys, errors };
  if (text.startsWith('{')) {
    let doc: { keys?: unknown } & JWK;
    try {
      doc = JSON.parse(text);
    } catch {
      return { keys, errors: ['AUTH_PUBLIC_KEY looks like JSON but does not parse'] };
    }
    const list = Array.isArray(doc.keys) ? (doc.keys as JWK[]) : [doc];
    for (const [i, jwk] of list.entries()) {
      try {
        if (typeof jwk !== 'object' || jwk === null) throw new Error('not an object');
        if ('d' in jwk) throw new Error('it is a private key; configure the public key only');
        if (jwk.use !== undefined && jwk.use !== 'sig') continue;
        const alg = algOfJwk(jwk);
        if (!alg) throw new Error(`unsupported key type (${String(jwk.kty)}/${String(jwk.crv ?? jwk.alg ?? '')}); use RSA, P-256 or Ed25519`);
        const key = (await importJWK({ ...jwk, alg: alg === 'EdDSA' ? 'EdDSA' : alg, ext: true }, alg)) as CryptoKey;
        keys.push(await withKid(alg, key, typeof jwk.kid === 'string' ? jwk.kid : undefined));
      } catch (e) {
        errors.push(`AUTH_PUBLIC_KEY JWK #${i + 1}: ${e instanceof Error ? e.message : 'unusable'}`);
      }
    }
    return { keys, errors };
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return { keys, errors: ['AUTH_PUBLIC_KEY holds no PEM block, JWK or JWKS (base64 of either is accepted too)'] };
  for (const [i, m] of blocks.entries()) {
    const label = m[1];
    const where = `AUTH_PUBLIC_KEY block #${i + 1} (${label})`;
    try {
      if (label.includes('PRIVATE')) throw new Error('is a private key: never configure a private key here; use the public key (edgehub auth public-key)');
      if (label === 'RSA PUBLIC KEY') throw new Error('is PKCS#1; convert it to SPKI: openssl rsa -RSAPublicKey_in -in key.pem -pubout');
      const pem = `-----BEGIN ${label}-----\n${m[2].replace(/[^A-Za-z0-9+/=]/g, '').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----`;
      let k: { alg: KeyAlg; key: CryptoKey };
      if (label === 'PUBLIC KEY') k = await importPublicKey(pem);
      else if (label === 'CERTIFICATE') k = await fromCertificate(pem);
      else throw new Error('is not a PUBLIC KEY or CERTIFICATE block');
      keys.push(await withKid(k.alg, k.key));
    } catch (e) {
      errors.push(`${where} ${e instanceof Error ? e.message.replace(/^(a |an )?/, '') : 'is unusable'}`);
    }
  }
  return { keys, errors };
}

function remoteSet(url: string, fetchImpl?: typeof fetch): { remote: JWTVerifyGetKey | null; error?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { remote: null, error: 'AUTH_JWKS_URL is not a valid URL' };
  }
  const loopback = isLoopback(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    return { remote: null, error: 'AUTH_JWKS_URL must be https (http only for loopback in development)' };
  const opts: Parameters<typeof createRemoteJWKSet>[1] = { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 };
  if (fetchImpl) (opts as Record<symbol, unknown>)[customFetch] = fetchImpl;
  return { remote: createRemoteJWKSet(u, opts) };
}

const rings = new Map<string, Promise<KeyRing>>();

/** The key ring for this configuration, built once per isolate. */
export function keyRing(src: KeySource): Promise<KeyRing> {
  const id = `${src.publicKey ?? ''}\u0000${src.jwksUrl ?? ''}`;
  let ring = rings.get(id);
  if (!ring || src.fetchImpl) {
    ring = (async () => {
      const { keys, errors } = src.publicKey?.trim() ? await parsePublicKeys(src.publicKey) : { keys: [], errors: [] };
      let remote: JWTVerifyGetKey | null = null;
      if (src.jwksUrl?.trim()) {
        const r = remoteSet(src.jwksUrl.trim(), src.fetchImpl);
        remote = r.remote;
        if (r.error) errors.push(r.error);
      }
      return { local: keys, remote, errors };
    })().catch(() => ({ local: [], remote: null, errors: ['the key configuration could not be read (AUTH_PUBLIC_KEY / AUTH_JWKS_URL)'] }));
    if (!src.fetchImpl) {
      if (rings.size >= 8) rings.clear(); // configurations change only on deploy; never grow unbounded
      rings.set(id, ring);
    }
  }
  return ring;
}
