/**
 * Encryption of stored secret values: AES-256-GCM with a random 96-bit IV per write, under a key
 * derived with HKDF-SHA-256 from the Worker secret SECRETS_KEY and the tenant (so a row copied
 * into another tenant's store cannot be opened there). The tenant and the secret's name are the
 * additional authenticated data: a ciphertext moved to another name (or tenant) fails to decrypt
 * instead of resolving under the wrong reference.
 */
import type { Sealed } from '../storage/secret-store';

export const SECRETS_KEY_HELP =
  'the secret store needs the Worker secret SECRETS_KEY (32 or more random bytes): `openssl rand -base64 32 | wrangler secret put SECRETS_KEY`';

/** Shortest accepted SECRETS_KEY: the base64 of 24 random bytes; `openssl rand -base64 32` gives 44. */
export const MIN_KEY_CHARS = 32;

const SALT = new TextEncoder().encode('edgehub/secrets/v1');
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export class SecretsKeyError extends Error {
  readonly code = 'SECRETS_KEY';
}

/** Why `raw` cannot be used as SECRETS_KEY, or null when it can. */
export function keyProblem(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw === '') return `SECRETS_KEY is not set: ${SECRETS_KEY_HELP}`;
  if (raw.length < MIN_KEY_CHARS) return `SECRETS_KEY is too short (${raw.length} characters, at least ${MIN_KEY_CHARS}): ${SECRETS_KEY_HELP}`;
  return null;
}

/** The tenant's AES-GCM key. Throws SecretsKeyError (with what to set) when SECRETS_KEY is unusable. */
export async function tenantKey(raw: unknown, tenant: string): Promise<CryptoKey> {
  const problem = keyProblem(raw);
  if (problem) throw new SecretsKeyError(problem);
  return deriveAesKey(raw as string, SALT, `tenant:${tenant}`);
}

/**
 * HKDF-SHA-256 → AES-256-GCM: the one derivation of the codebase (the secret store above; the
 * upstream-grant vault, src/vault/, with its own salt and key VAULT_KEY).
 */
export async function deriveAesKey(raw: string, salt: Uint8Array, info: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', enc.encode(raw), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: enc.encode(info) }, ikm, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

function aad(tenant: string, name: string): Uint8Array {
  return enc.encode(`edgehub-secret\u0000${tenant}\u0000${name}`);
}

export async function seal(key: CryptoKey, tenant: string, name: string, value: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(tenant, name) }, key, enc.encode(value));
  return { iv, ciphertext: new Uint8Array(ct) };
}

/** The plaintext; throws when the key, tenant or name differ from the ones it was sealed with, or the bytes were altered. */
export async function open(key: CryptoKey, tenant: string, name: string, sealed: Sealed): Promise<string> {
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: aad(tenant, name) }, key, sealed.ciphertext);
  return dec.decode(pt);
}
