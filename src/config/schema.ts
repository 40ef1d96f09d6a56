/**
 * The Magg-compatible configuration (`config.json`) as zod schemas.
 *
 * Invariants: unknown fields are refused (`.strict()`) with the path to the bad field; every
 * field Magg writes is accepted and exported unchanged (import → export round-trips). Entries with
 * `command` (stdio) are run by a connector (config/connector.ts) — never dropped.
 * Secrets: `transport.headers` values may reference secrets as `${NAME}` (resolved by the rule in
 * secrets.ts); header and `env` values are redacted in every read.
 */
import { z } from 'zod';

/** `[a-zA-Z][a-zA-Z0-9-]*`, ≤ 30 chars: no `_`, so exposed names split on the first `_`. Empty = no prefix. */
export const PREFIX_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,29}$/;
/** Server names: used in URLs (admin API) and resource URIs. */
export const SERVER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

export const TransportSchema = z
  .object({
    headers: z.record(z.string(), z.string()).optional(),
    auth: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .nullable()
      .optional(),
    sse_read_timeout: z.number().positive().nullable().optional(),
    keep_alive: z.boolean().nullable().optional(),
    timeout: z.number().positive().nullable().optional(),
    // edgehub extensions (ms): per-upstream timeouts and breaker settings.
    connect_timeout_ms: z.number().int().positive().max(120_000).optional(),
    call_timeout_ms: z.number().int().positive().max(600_000).optional(),
    list_timeout_ms: z.number().int().positive().max(120_000).optional(),
    breaker_failures: z.number().int().min(1).max(100).optional(),
    breaker_cooldown_ms: z.number().int().min(100).max(3_600_000).optional(),
    // edgehub extension: the connector (`edgehub connect --name`) that runs this entry; stdio entries default to `default`.
    connector: z.string().regex(SERVER_NAME_RE, 'connector names are letters, digits, . _ - (max 64)').optional(),
  })
  .strict();

export const ServerSchema = z
  .object({
    name: z.string().optional(),
    source: z.string().nullable().optional(),
    prefix: z.string().nullable().optional(),
    notes: z.string().nullable().optional(),
    command: z.string().nullable().optional(),
    args: z.array(z.string()).nullable().optional(),
    uri: z.string().nullable().optional(),
    env: z.record(z.string(), z.string()).nullable().optional(),
    cwd: z.string().nullable().optional(),
    transport: TransportSchema.nullable().optional(),
    enabled: z.boolean().optional(),
    kits: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.prefix != null && s.prefix !== '' && !PREFIX_RE.test(s.prefix))
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: `prefix must match ${PREFIX_RE} (letters, digits, '-'; no '_'; at most 30 chars)` });
    if (s.uri != null && !/^(https?:\/\/|builtin:)/.test(s.uri))
      ctx.addIssue({ code: 'custom', path: ['uri'], message: 'uri must be an http(s) URL or builtin:<name>' });
  });

export const KitSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().nullable().optional(),
    path: z.string().nullable().optional(),
    source: z.string().nullable().optional(),
    author: z.string().nullable().optional(),
    version: z.string().nullable().optional(),
    keywords: z.array(z.string()).optional(),
    links: z.record(z.string(), z.string()).optional(),
    servers: z.record(z.string(), ServerSchema).optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    servers: z.record(z.string().regex(SERVER_NAME_RE, 'server names are letters, digits, . _ - (max 64)'), ServerSchema).default({}),
    kits: z.record(z.string(), KitSchema).default({}),
  })
  .strict();

export type ServerConfig = z.infer<typeof ServerSchema>;
export type HubConfig = z.infer<typeof ConfigSchema>;

/** A validated config plus its version: what every request is served against. Immutable. */
/** The values a tenant's runtimes may substitute: only names the config references. */
export interface ResolvedSecrets {
  readonly tenant: string;
  readonly values: Readonly<Record<string, string>>;
  /** Names that exist but cannot be used now, with why (e.g. SECRETS_KEY missing or changed). */
  readonly errors: Readonly<Record<string, string>>;
}

export interface ConfigSnapshot {
  readonly version: number;
  readonly config: HubConfig;
  /** The secret values its servers reference: only on snapshots handed to runtimes over DO RPC. */
  readonly secrets?: ResolvedSecrets;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string; path: string };

/** Parses with a message that names the failing field, e.g. `servers.calc.transport.hedaers: unrecognized key`. */
export function parseConfig(input: unknown): ParseResult<HubConfig> {
  const r = ConfigSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return issueToError(r.error.issues[0]);
}

export function parseServer(input: unknown): ParseResult<ServerConfig> {
  const r = ServerSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return issueToError(r.error.issues[0]);
}

function issueToError(issue: z.core.$ZodIssue | undefined): { ok: false; error: string; path: string } {
  if (!issue) return { ok: false, error: 'invalid configuration', path: '' };
  let path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') path = [path, ...issue.keys].filter(Boolean).join('.');
  return { ok: false, error: `${path || '(root)'}: ${issue.message}`, path };
}

export const STDIO_REFUSAL =
  'stdio servers (command/args) cannot run at the edge: run it behind an HTTP bridge (e.g. `npx -y supergateway --stdio "<command>" --outputTransport streamableHttp`) and mount its URL as `uri`';

/** How a server entry can be served at the edge. */
export type ServerKind = 'http' | 'sse' | 'builtin' | 'stdio' | 'invalid';
export function serverKind(s: ServerConfig): ServerKind {
  if (s.uri?.startsWith('builtin:')) return 'builtin';
  if (s.uri) return /\/sse\/?(\?.*)?$/.test(s.uri) ? 'sse' : 'http';
  if (s.command) return 'stdio';
  return 'invalid';
}

/** The prefix a server's names are exposed under: configured, else the server name sanitised. */
export function effectivePrefix(name: string, s: ServerConfig): string {
  if (s.prefix != null) return s.prefix;
  const p = name
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/^[^a-zA-Z]+/, '')
    .slice(0, 30);
  return p || 's';
}
