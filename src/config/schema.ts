/**
 * The Magg-compatible configuration (`config.json`) as zod schemas.
 *
 * Invariants: every field Magg writes is accepted and exported unchanged (import → export
 * round-trips), unknown fields included: like Magg (pydantic `extra="allow"`) they are kept, and
 * parse.ts reports each one as a warning with its path (or refuses it in strict mode), so a typo
 * stays visible. Entries with `command` (stdio) are run by a connector (config/connector.ts), never dropped.
 * Secrets: `transport.headers` values may reference secrets as `${NAME}` (resolved by the rule in
 * secrets.ts); header and `env` values are redacted in every read.
 */
import { z } from 'zod';
import { PoliciesSchema, TRUST_MODES } from './policies';
import { ProfilesSchema } from './profiles';

/** `[a-zA-Z][a-zA-Z0-9-]*`, ≤ 30 chars: no `_`, so exposed names split on the first `_`. Empty = no prefix. */
export const PREFIX_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,29}$/;
/** Server names: used in URLs (admin API) and resource URIs. */
export const SERVER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
/** edgehub's own tools are `hub_*` unless the config sets Magg's `self_prefix` (e.g. `magg`). */
export const DEFAULT_SELF_PREFIX = 'hub';
export const DEFAULT_PREFIX_SEP = '_';
/**
 * Separators that keep exposed names client-safe and splittable: only `_` and `-`, with a `_`.
 * Prefixes never contain `_`, so the first `_` of an exposed name always falls inside the separator.
 */
const PREFIX_SEP_RE = /^[_-]{1,3}$/;

export const TransportSchema = z.looseObject({
  headers: z.record(z.string(), z.string()).optional(),
  auth: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .nullable()
    .optional(),
  sse_read_timeout: z.number().positive().nullable().optional(),
  keep_alive: z.boolean().nullable().optional(),
  timeout: z.number().positive().nullable().optional(),
  // Magg's stdio launcher options: kept for stdio entries, not used at the edge.
  python_cmd: z.string().nullable().optional(),
  node_cmd: z.string().nullable().optional(),
  use_package_lock: z.boolean().nullable().optional(),
  python_version: z.string().nullable().optional(),
  with_packages: z.array(z.string()).nullable().optional(),
  from_package: z.string().nullable().optional(),
  // edgehub extensions (ms): per-upstream timeouts and breaker settings.
  connect_timeout_ms: z.number().int().positive().max(120_000).optional(),
  call_timeout_ms: z.number().int().positive().max(600_000).optional(),
  list_timeout_ms: z.number().int().positive().max(120_000).optional(),
  breaker_failures: z.number().int().min(1).max(100).optional(),
  breaker_cooldown_ms: z.number().int().min(100).max(3_600_000).optional(),
  // edgehub extension: the connector (`edgehub connect --name`) that runs this entry; stdio entries default to
  // `default`, an http(s) entry with one is reached from that connector's machine instead of the edge.
  connector: z.string().regex(SERVER_NAME_RE, 'connector names are letters, digits, . _ - (max 64)').optional(),
});

export const ServerSchema = z
  .looseObject({
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
    // edgehub extension (config/policies.ts): how new tools of an approved server are treated.
    trust: z.enum(TRUST_MODES).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.prefix != null && s.prefix !== '' && !PREFIX_RE.test(s.prefix))
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: `prefix must match ${PREFIX_RE} (letters, digits, '-'; no '_'; at most 30 chars)` });
    if (s.uri != null && !/^(https?:\/\/|builtin:)/.test(s.uri))
      ctx.addIssue({ code: 'custom', path: ['uri'], message: 'uri must be an http(s) URL or builtin:<name>' });
  });

/** Magg's `KitInfo` (config.json) and kit file (`kit.d/*.json`) fields in one shape. */
export const KitSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  path: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
  author: z.string().nullable().optional(),
  version: z.string().nullable().optional(),
  keywords: z.array(z.string()).optional(),
  links: z.record(z.string(), z.string()).optional(),
  servers: z.record(z.string(), ServerSchema).optional(),
});

export const ConfigSchema = z
  .looseObject({
    servers: z.record(z.string().regex(SERVER_NAME_RE, 'server names are letters, digits, . _ - (max 64)'), ServerSchema).default({}),
    // Magg's legacy form is a list of kit names; kept as a list until a kit is changed.
    kits: z.union([z.array(z.string()), z.record(z.string(), KitSchema)]).optional(),
    // Magg's settings. Honoured: self_prefix, prefix_sep. The others are kept (round-trip) and
    // ignored: edgehub has no config file to watch or search for, and logs JSON lines at one level.
    self_prefix: z.string().optional(),
    prefix_sep: z.string().optional(),
    read_only: z.boolean().optional(),
    log_level: z.string().nullable().optional(),
    auto_reload: z.boolean().optional(),
    reload_poll_interval: z.number().optional(),
    stderr_show: z.boolean().optional(),
    path: z.union([z.string(), z.array(z.string())]).optional(),
    config_path: z.string().nullable().optional(),
    // edgehub extension (ignored by Magg): curated tool views, config/profiles.ts.
    profiles: ProfilesSchema.optional(),
    // edgehub extension (config/policies.ts): ordered per-tool policy rules, first match wins.
    policies: PoliciesSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.self_prefix !== undefined && !PREFIX_RE.test(c.self_prefix))
      ctx.addIssue({
        code: 'custom',
        path: ['self_prefix'],
        message: `self_prefix '${c.self_prefix}' must match ${PREFIX_RE}: it names edgehub's own tools ({self_prefix}_status) and its resource scheme ({self_prefix}://)`,
      });
    if (c.prefix_sep !== undefined && !(PREFIX_SEP_RE.test(c.prefix_sep) && c.prefix_sep.includes('_')))
      ctx.addIssue({ code: 'custom', path: ['prefix_sep'], message: prefixSepProblem(c.prefix_sep) });
  });

function prefixSepProblem(sep: string): string {
  const head = `prefix_sep '${sep}' cannot be used:`;
  if (!/^[a-zA-Z0-9_-]*$/.test(sep) || sep === '')
    return `${head} exposed tool names must match ^[a-zA-Z0-9_-]{1,64}$; use 1–3 of '_' and '-' with at least one '_' (e.g. '_' or '__')`;
  return `${head} prefixes may contain letters, digits and '-', so names could not be split back into server and tool unambiguously; use 1–3 of '_' and '-' with at least one '_' (e.g. '_' or '__')`;
}

export type ServerConfig = z.infer<typeof ServerSchema>;
export type HubConfig = z.infer<typeof ConfigSchema>;
export type KitConfig = z.infer<typeof KitSchema>;

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
  /** Pinned and quarantined tool hashes (policy/pin-service.ts): only on snapshots handed to runtimes. */
  readonly trust?: TrustView;
}

/**
 * A snapshot as JSON text, as the Config DO pushes it to sessions: serialised once per fan-out
 * (not structured-cloned per session) and parsed by a session only when it next serves a request.
 */
export interface SnapshotText {
  readonly version: number;
  readonly text: string;
}

/** Per server and tool: the pinned definition's hash, and quarantined ones with why. */
export interface TrustView {
  readonly pins: Record<string, Record<string, string>>;
  readonly quarantined: Record<string, Record<string, { hash: string; reason: string }>>;
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

export function selfPrefix(cfg: HubConfig, fallback = DEFAULT_SELF_PREFIX): string {
  return cfg.self_prefix ?? fallback;
}

export function prefixSep(cfg: HubConfig): string {
  return cfg.prefix_sep ?? DEFAULT_PREFIX_SEP;
}

/**
 * An entry (server or kit) as listed under its config key. Magg's files may repeat a `name` inside
 * an entry (its saved server form; a kit file's own name, which can differ from its file name);
 * Magg identifies entries by the key, so the key is the name, whatever the entry says.
 */
export function keyed<T extends { name?: string }>(key: string, entry: T): Omit<T, 'name'> & { name: string } {
  const { name: _inner, ...rest } = entry;
  return { name: key, ...rest };
}

/** The kits as a map: Magg's legacy list of names reads as kits with only a name and `source: "legacy"`, as Magg loads it. */
export function kitMap(cfg: HubConfig): Record<string, KitConfig> {
  const k = cfg.kits;
  if (!k) return {};
  return Array.isArray(k) ? Object.fromEntries(k.map((name) => [name, { name, source: 'legacy' }])) : k;
}
