/**
 * Parsing config documents (a whole config, one server entry, one kit) with unknown keys handled
 * the way the caller asks: kept and reported as warnings (the default, as Magg keeps them), or
 * refused with their path (`strict`). Either way a typo such as `transport.hedaers` is named,
 * never silently used or silently dropped.
 *
 * Paths are relative to the document parsed (the request body), e.g. `servers.web.transport.hedaers`
 * for a whole config and `transport.hedaers` for one server entry.
 */
import type { z } from 'zod';
import { PolicySchema } from './policies';
import { ConfigSchema, type HubConfig, type KitConfig, KitSchema, type ServerConfig, ServerSchema, TransportSchema } from './schema';

export interface ConfigWarning {
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T; warnings: ConfigWarning[] } | { ok: false; error: string; path: string };

export interface ParseOptions {
  /** Refuse unknown keys (400 naming the first) instead of keeping them with a warning. */
  strict?: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const known = (shape: Obj) => new Set(Object.keys(shape));
const ROOT_KEYS = known(ConfigSchema.shape);
const SERVER_KEYS = known(ServerSchema.shape);
const TRANSPORT_KEYS = known(TransportSchema.shape);
const KIT_KEYS = known(KitSchema.shape);
const POLICY_KEYS = known(PolicySchema.shape);

const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

function extra(v: unknown, keys: Set<string>, base: string, out: ConfigWarning[]): void {
  if (!isObj(v)) return;
  for (const k of Object.keys(v))
    if (!keys.has(k)) out.push({ path: join(base, k), message: `unknown key '${k}': kept as is, but edgehub does not use it (a typo?)` });
}

function serverExtras(v: unknown, base: string, out: ConfigWarning[]): void {
  extra(v, SERVER_KEYS, base, out);
  if (isObj(v)) extra(v.transport, TRANSPORT_KEYS, join(base, 'transport'), out);
}

function kitExtras(v: unknown, base: string, out: ConfigWarning[]): void {
  extra(v, KIT_KEYS, base, out);
  if (isObj(v) && isObj(v.servers)) for (const [n, s] of Object.entries(v.servers)) serverExtras(s, join(join(base, 'servers'), n), out);
}

function configExtras(v: unknown, out: ConfigWarning[]): void {
  extra(v, ROOT_KEYS, '', out);
  if (!isObj(v)) return;
  if (isObj(v.servers)) for (const [n, s] of Object.entries(v.servers)) serverExtras(s, `servers.${n}`, out);
  if (isObj(v.kits)) for (const [n, k] of Object.entries(v.kits)) kitExtras(k, `kits.${n}`, out);
  if (Array.isArray(v.policies)) v.policies.forEach((p, i) => extra(p, POLICY_KEYS, `policies.${i}`, out));
}

function parse<T>(schema: z.ZodType<T>, input: unknown, walk: (v: unknown, out: ConfigWarning[]) => void, opts: ParseOptions): ParseResult<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (!issue) return { ok: false, error: 'invalid configuration', path: '' };
    const path = issue.path.map(String).join('.');
    return { ok: false, error: `${path || '(root)'}: ${issue.message}`, path };
  }
  const warnings: ConfigWarning[] = [];
  walk(input, warnings);
  if (opts.strict && warnings.length) {
    const [first] = warnings;
    const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more)` : '';
    return { ok: false, error: `${first.path}: Unrecognized key (strict mode)${more}`, path: first.path };
  }
  return { ok: true, value: r.data, warnings };
}

export function parseConfig(input: unknown, opts: ParseOptions = {}): ParseResult<HubConfig> {
  return parse(ConfigSchema, input, configExtras, opts);
}

export function parseServer(input: unknown, opts: ParseOptions = {}): ParseResult<ServerConfig> {
  return parse(ServerSchema, input, (v, out) => serverExtras(v, '', out), opts);
}

export function parseKit(input: unknown, opts: ParseOptions = {}): ParseResult<KitConfig> {
  return parse(KitSchema, input, (v, out) => kitExtras(v, '', out), opts);
}
