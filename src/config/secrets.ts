/**
 * Secret references: header and env values may be written `${NAME}` and are resolved from Worker
 * secrets (env bindings) at connect time, never stored resolved. `redactServer` hides every
 * header/env value in reads and exports (references stay visible, literals become "***").
 */
import type { ServerConfig } from './schema';

const REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

export class MissingSecretError extends Error {
  readonly code = 'MISSING_SECRET';
}

export function resolveSecrets(values: Record<string, string> | null | undefined, env: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    out[k] = v.replace(REF, (_, name: string) => {
      const s = (env as Record<string, unknown>)[name];
      if (typeof s !== 'string') throw new MissingSecretError(`secret ${name} (referenced by ${k}) is not set: wrangler secret put ${name}`);
      return s;
    });
  }
  return out;
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
    if (s.transport.auth) out.transport.auth = '***';
  }
  return out;
}
