/**
 * Secret references: header values may contain `${NAME}`, resolved at connect time, never stored
 * resolved. `redactServer` hides every header/env value in reads and exports (references stay
 * visible, literals become "***").
 *
 * Where a name resolves (the rule; docs in README "Secrets"):
 *   1. the tenant's own secret store (ConfigDO, encrypted; `edgehub secrets set NAME`);
 *   2. a Worker env string (a `wrangler secret` or var) — only for the tenants listed in
 *      SHARED_SECRET_TENANTS (comma-separated; unset or empty = "default"), and never a name
 *      edgehub itself reads for auth or encryption (`isReservedName`).
 * Anything else fails with `secret NAME is not set for tenant T`, before any request is made.
 *
 * Resolution runs in the ConfigDO (the only place that can decrypt); runtimes receive the
 * resulting `ResolvedSecrets` with the config snapshot over internal DO RPC.
 */
import { connectorOf } from './connector';
import type { ResolvedSecrets, ServerConfig } from './schema';

export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
const REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

export class MissingSecretError extends Error {
  readonly code = 'MISSING_SECRET';
}

export const notSetMessage = (name: string, tenant: string) => `secret ${name} is not set for tenant ${tenant}: edgehub secrets set ${name}`;

export function resolveSecrets(values: Record<string, string> | null | undefined, secrets: ResolvedSecrets | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    // String.replace does not rescan what it inserts: a value containing `${X}` stays literal.
    out[k] = v.replace(REF, (_, name: string) => {
      if (secrets && Object.hasOwn(secrets.values, name)) return secrets.values[name];
      const why = secrets && Object.hasOwn(secrets.errors, name) ? secrets.errors[name] : notSetMessage(name, secrets?.tenant ?? '(unknown)');
      throw new MissingSecretError(`${why} (referenced by header ${k})`);
    });
  }
  return out;
}

/** Every `${NAME}` in one header map. */
export function referencedNames(values: Record<string, string> | null | undefined): Set<string> {
  const out = new Set<string>();
  for (const v of Object.values(values ?? {})) for (const m of v.matchAll(REF)) out.add(m[1]);
  return out;
}

/**
 * The names a server's connection needs (headers are the only place references resolve). None for
 * a connector-served entry: its `${NAME}` resolve on the connector's machine, and the tenant's
 * values must never reach it.
 */
export const serverSecretNames = (s: ServerConfig): Set<string> =>
  connectorOf(s) ? new Set() : referencedNames({ ...s.transport?.headers, ...authSecretRefs(s) });

/** An OAuth upstream's `transport.auth.client_secret` (src/vault/spec.ts): resolved like a header. */
export function authSecretRefs(s: ServerConfig): Record<string, string> {
  const a = s.transport?.auth as { client_secret?: unknown } | string | null | undefined;
  return typeof a === 'object' && a !== null && typeof a.client_secret === 'string' ? { client_secret: a.client_secret } : {};
}

/** Every name any server of a config needs. */
export function configSecretNames(servers: Record<string, ServerConfig>): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(servers)) for (const n of serverSecretNames(s)) out.add(n);
  return out;
}

/**
 * The part of a connection's identity that comes from secrets: a pooled connection is rebuilt when
 * a value it uses changes. In memory only (ProviderPool keys), never logged or sent.
 */
export function secretsKey(s: ServerConfig, secrets: ResolvedSecrets | undefined): string {
  const names = [...serverSecretNames(s)].sort();
  if (!names.length) return '';
  return JSON.stringify(names.map((n) => secrets?.values[n] ?? `!${secrets?.errors[n] ?? ''}`));
}

/** Worker env names that never resolve, even for shared tenants: edgehub's own auth and encryption keys. */
export function isReservedName(name: string): boolean {
  return /^(AUTH_|SECRETS_|VAULT_)/.test(name) || name === 'SECRETS_KEY' || name === 'VAULT_KEY' || name === 'SHARED_SECRET_TENANTS';
}

/** Tenants whose references may fall back to Worker env strings (SHARED_SECRET_TENANTS; default "default"). */
export function sharedTenants(raw: unknown): Set<string> {
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];
  return new Set(list.length ? list : ['default']);
}

/** A Worker env string `tenant` may use as `${name}`, or undefined. */
export function envSecret(env: object, tenant: string, name: string): string | undefined {
  const e = env as Record<string, unknown>;
  if (isReservedName(name) || !sharedTenants(e.SHARED_SECRET_TENANTS).has(tenant)) return undefined;
  const v = e[name];
  return typeof v === 'string' ? v : undefined;
}

/** A value whose only secret material is `${NAME}` references (optionally after an auth scheme). */
export function isReferenceOnly(v: string): boolean {
  const rest = v.replace(REF, '');
  return rest !== v && /^\s*((bearer|basic|token)\s*)?$/i.test(rest);
}

function redactValues(values: Record<string, string> | null | undefined): Record<string, string> | null | undefined {
  if (!values) return values;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, isReferenceOnly(v) ? v : '***']));
}

export function redactServer(s: ServerConfig): ServerConfig {
  const out: ServerConfig = { ...s };
  if (s.env) out.env = redactValues(s.env) ?? null;
  if (s.transport) {
    out.transport = { ...s.transport };
    if (s.transport.headers) out.transport.headers = redactValues(s.transport.headers) ?? undefined;
    // `"oauth"` and the OAuth object's mode/client_id/scopes stay readable; a literal client_secret does not.
    const a = s.transport.auth;
    if (typeof a === 'object' && a !== null && (a as { type?: unknown }).type === 'oauth')
      out.transport.auth = { ...a, ...(typeof a.client_secret === 'string' ? redactValues({ client_secret: a.client_secret }) : {}) };
    else if (a && a !== 'oauth') out.transport.auth = '***';
  }
  return out;
}
