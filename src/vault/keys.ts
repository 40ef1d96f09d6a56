/**
 * The vault's encryption: AES-256-GCM under a key derived (HKDF, config/secret-crypto.ts) from the
 * Worker secret VAULT_KEY and the tenant, with the principal, server and record kind as additional
 * data, so a sealed record moved to another principal, server or tenant does not open.
 */
import { deriveAesKey, MIN_KEY_CHARS, open, seal } from '../config/secret-crypto';
import type { Sealed } from '../storage/secret-store';

export const VAULT_KEY_HELP =
  'OAuth upstreams need the Worker secret VAULT_KEY (32 or more random bytes) to encrypt grants: `openssl rand -base64 32 | wrangler secret put VAULT_KEY`';

const SALT = new TextEncoder().encode('edgehub/vault/v1');

/** Why VAULT_KEY cannot be used, or null. */
export function vaultKeyProblem(env: object): string | null {
  const raw = (env as { VAULT_KEY?: unknown }).VAULT_KEY;
  if (typeof raw !== 'string' || raw === '') return `VAULT_KEY is not set: ${VAULT_KEY_HELP}`;
  if (raw.length < MIN_KEY_CHARS) return `VAULT_KEY is too short (${raw.length} characters, at least ${MIN_KEY_CHARS}): ${VAULT_KEY_HELP}`;
  return null;
}

export class VaultKeyError extends Error {
  readonly code = 'VAULT_KEY';
}

export class VaultCrypto {
  #key: Promise<CryptoKey> | null = null;

  constructor(
    private readonly env: object,
    private readonly tenant: string,
  ) {}

  #k(): Promise<CryptoKey> {
    const problem = vaultKeyProblem(this.env);
    if (problem) throw new VaultKeyError(problem);
    this.#key ??= deriveAesKey((this.env as { VAULT_KEY: string }).VAULT_KEY, SALT, `vault:${this.tenant}`);
    return this.#key;
  }

  async seal(label: string, value: unknown): Promise<Sealed> {
    return seal(await this.#k(), this.tenant, `vault\u0000${label}`, JSON.stringify(value));
  }

  async open<T>(label: string, sealed: Sealed): Promise<T> {
    return JSON.parse(await open(await this.#k(), this.tenant, `vault\u0000${label}`, sealed)) as T;
  }
}
