/**
 * The secret store of one tenant (runs inside its ConfigDO, next to the config service).
 *
 * Values are write-only: they are sealed on the way in (secret-crypto.ts), listed by name and
 * update time, and opened only to hand runtimes the values their config references (`attach`,
 * over internal DO RPC, never in an admin read). A write or delete is recorded with its audit row
 * (the name, never the value) in one transaction; when the current config references the name it
 * is also a new config version, so sessions and isolates re-read and reconnect what uses it.
 */
import type { ConfigStore } from '../storage/config-store';
import type { SecretMeta, SecretStore } from '../storage/secret-store';
import type { ConfigSnapshot, HubConfig, ResolvedSecrets } from './schema';
import { keyProblem, open, SecretsKeyError, seal, tenantKey } from './secret-crypto';
import { configSecretNames, envSecret, SECRET_NAME, serverSecretNames } from './secrets';

export const SECRET_VALUE_MAX_BYTES = 16 * 1024;
export const SECRET_NAME_MAX = 128;
export const SECRETS_PER_TENANT = 500;

export interface SecretResult {
  ok: boolean;
  status: number;
  error?: string;
  field?: string;
  /** The config version after the change (bumped when a server references the secret). */
  version?: number;
  /** Servers whose connections use this secret. */
  servers?: string[];
}

export interface SecretDeps {
  tenant: string;
  /** The Worker env: SECRETS_KEY, SHARED_SECRET_TENANTS and the shared Worker secrets. */
  env: object;
  secrets: SecretStore;
  config: ConfigStore<HubConfig>;
  /** The current config (seeded on first use). */
  current(): ConfigSnapshot;
  /** Called after a change that made a new config version (fan-out to sessions). */
  committed(snapshot: ConfigSnapshot): void;
}

const NAME_RULE = `secret names are upper-case letters, digits and _ (not starting with a digit), e.g. API_TOKEN, at most ${SECRET_NAME_MAX} characters`;

export class SecretService {
  #key: Promise<CryptoKey> | null = null;
  /** Bumped on every write: cached resolutions of an older generation are not reused. */
  #generation = 0;
  #cache: { version: number; generation: number; value: ResolvedSecrets } | null = null;

  constructor(private readonly deps: SecretDeps) {}

  list(): SecretMeta[] {
    return this.deps.secrets.list();
  }

  async set(actor: { sub: string }, name: string, value: unknown): Promise<SecretResult> {
    const fail = this.#failer(actor, 'secret.set', name);
    const bad = nameProblem(name) ?? valueProblem(value);
    if (bad) return fail(400, bad.error, bad.field);
    let key: CryptoKey;
    try {
      key = await this.#tenantKey();
    } catch (e) {
      if (e instanceof SecretsKeyError) return fail(503, e.message);
      throw e;
    }
    const sealed = await seal(key, this.deps.tenant, name, value as string);
    // No await from here on: the cap check and the write see the same table.
    const existed = this.deps.secrets.has(name);
    if (!existed && this.deps.secrets.count() >= SECRETS_PER_TENANT)
      return fail(409, `tenant ${this.deps.tenant} already has ${SECRETS_PER_TENANT} secrets (the limit): remove one first (edgehub secrets rm NAME)`);
    return this.#record(actor, 'secret.set', name, { created: !existed }, () => this.deps.secrets.put(name, sealed, actor.sub));
  }

  delete(actor: { sub: string }, name: string): SecretResult {
    const fail = this.#failer(actor, 'secret.delete', name);
    const bad = nameProblem(name);
    if (bad) return fail(400, bad.error, bad.field);
    if (!this.deps.secrets.has(name)) return fail(404, `secret ${name} is not set for tenant ${this.deps.tenant}`);
    return this.#record(actor, 'secret.delete', name, {}, () => this.deps.secrets.delete(name));
  }

  /**
   * Values for these names by the resolution rule (secrets.ts): the tenant's store, then shared
   * Worker env. Names that resolve nowhere are simply absent.
   */
  async resolve(names: Iterable<string>): Promise<ResolvedSecrets> {
    const { tenant, env } = this.deps;
    const values: Record<string, string> = {};
    const errors: Record<string, string> = {};
    const wanted = [...new Set(names)];
    const sealed = this.deps.secrets.sealed(wanted);
    let key: CryptoKey | null = null;
    let keyError = '';
    if (sealed.size)
      try {
        key = await this.#tenantKey();
      } catch (e) {
        keyError = e instanceof Error ? e.message : String(e);
      }
    for (const name of wanted) {
      const s = sealed.get(name);
      if (!s) {
        const v = envSecret(env, tenant, name);
        if (v !== undefined) values[name] = v;
        continue;
      }
      if (!key) {
        errors[name] = `secret ${name} of tenant ${tenant} cannot be decrypted: ${keyError}`;
        continue;
      }
      try {
        values[name] = await open(key, tenant, name, s);
      } catch {
        errors[name] = `secret ${name} of tenant ${tenant} cannot be decrypted (was SECRETS_KEY changed?): set it again with edgehub secrets set ${name}`;
      }
    }
    return { tenant, values, errors };
  }

  /** The snapshot with the values its servers reference (for runtimes; cached per version and generation). */
  async attach(s: ConfigSnapshot): Promise<ConfigSnapshot> {
    const generation = this.#generation;
    const c = this.#cache;
    if (c && c.version === s.version && c.generation === generation) return { ...s, secrets: c.value };
    const value = await this.resolve(configSecretNames(s.config.servers));
    if (generation === this.#generation) this.#cache = { version: s.version, generation, value };
    return { ...s, secrets: value };
  }

  #tenantKey(): Promise<CryptoKey> {
    const raw = (this.deps.env as { SECRETS_KEY?: unknown }).SECRETS_KEY;
    const problem = keyProblem(raw);
    if (problem) return Promise.reject(new SecretsKeyError(problem));
    this.#key ??= tenantKey(raw, this.deps.tenant).catch((e) => {
      this.#key = null;
      throw e;
    });
    return this.#key;
  }

  #record(actor: { sub: string }, action: string, name: string, extra: Record<string, unknown>, write: () => void): SecretResult {
    const cur = this.deps.current();
    const servers = Object.keys(cur.config.servers).filter((n) => serverSecretNames(cur.config.servers[n]).has(name));
    const snap = this.deps.config.record(write, { actor: actor.sub, action, target: name, ok: true, detail: { ...extra, servers } }, servers.length > 0);
    this.#generation++;
    this.#cache = null;
    if (snap) this.deps.committed(snap);
    return { ok: true, status: 200, version: snap?.version ?? cur.version, servers };
  }

  #failer(actor: { sub: string }, action: string, name: string) {
    return (status: number, error: string, field?: string): SecretResult => {
      this.deps.config.auditFailure({ actor: actor.sub, action, target: String(name).slice(0, SECRET_NAME_MAX), ok: false, detail: { error, field } });
      return { ok: false, status, error, field };
    };
  }
}

function nameProblem(name: unknown): { error: string; field: string } | null {
  if (typeof name !== 'string' || name.length > SECRET_NAME_MAX || !SECRET_NAME.test(name))
    return { error: `invalid secret name: ${NAME_RULE}`, field: 'name' };
  return null;
}

function valueProblem(value: unknown): { error: string; field: string } | null {
  const field = 'value';
  if (value === undefined) return { error: 'the body must be {"value": "..."}: value is missing', field };
  if (typeof value !== 'string') return { error: 'value must be a string', field };
  if (value === '') return { error: 'value is empty: a secret must have a value (use DELETE to remove one)', field };
  if (new TextEncoder().encode(value).byteLength > SECRET_VALUE_MAX_BYTES) return { error: `value exceeds 16 KiB (${SECRET_VALUE_MAX_BYTES} bytes)`, field };
  if (/[\r\n\0]/.test(value)) return { error: 'value contains a line break or NUL, which an HTTP header value cannot carry', field };
  return null;
}
