/**
 * Pure configuration changes: each takes a config and returns the next one (or a refusal with a
 * reason). No I/O here; the ConfigService adds mount checks, commit and notification.
 *
 * Rules enforced for every resulting config (validate):
 * - names and prefixes match the schema; prefixes are unique among enabled servers, the hub
 *   prefix is reserved, at most one enabled server has an empty prefix;
 * - exposed tool names do not collide (checked against known catalogs, see ConfigService).
 */
import { exposedName } from '../mcp/naming';
import { type ConfigWarning, type ParseOptions, parseConfig, parseKit, parseServer } from './parse';
import { DEFAULT_SELF_PREFIX, effectivePrefix, type HubConfig, kitMap, prefixSep, SERVER_NAME_RE, type ServerConfig } from './schema';

/** A refusal, or the next config with the unknown keys it kept (see parse.ts). */
export type Change<T = HubConfig> = { ok: true; config: T; warnings?: ConfigWarning[] } | { ok: false; status: number; error: string; field?: string };

const refuse = (status: number, error: string, field?: string): Change => ({ ok: false, status, error, field });

export function addServer(cfg: HubConfig, name: string, input: unknown, replace = false, opts: ParseOptions = {}): Change {
  if (!SERVER_NAME_RE.test(name)) return refuse(400, `server name '${name}' must match ${SERVER_NAME_RE}`, 'name');
  if (!replace && cfg.servers[name]) return refuse(409, `server '${name}' already exists; use update to change it`, 'name');
  const parsed = parseServer(input, opts);
  if (!parsed.ok) return refuse(400, parsed.error, parsed.path);
  const entry = { ...parsed.value };
  delete entry.name;
  return { ok: true, config: { ...cfg, servers: { ...cfg.servers, [name]: entry } }, warnings: parsed.warnings };
}

export function updateServer(cfg: HubConfig, name: string, patch: unknown, opts: ParseOptions = {}): Change {
  const cur = cfg.servers[name];
  if (!cur) return refuse(404, `server '${name}' does not exist`, 'name');
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return refuse(400, 'patch must be a JSON object');
  const merged: Record<string, unknown> = { ...cur };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return addServer(cfg, name, merged, true, opts);
}

export function removeServer(cfg: HubConfig, name: string): Change {
  if (!cfg.servers[name]) return refuse(404, `server '${name}' does not exist`, 'name');
  const servers = { ...cfg.servers };
  delete servers[name];
  return { ok: true, config: { ...cfg, servers } };
}

export function setEnabled(cfg: HubConfig, name: string, enabled: boolean): Change {
  const cur = cfg.servers[name];
  if (!cur) return refuse(404, `server '${name}' does not exist`, 'name');
  return { ok: true, config: { ...cfg, servers: { ...cfg.servers, [name]: { ...cur, enabled } } } };
}

export function replaceConfig(input: unknown, opts: ParseOptions = {}): Change {
  const r = parseConfig(input, opts);
  if (!r.ok) return refuse(400, r.error, r.path);
  return { ok: true, config: r.value, warnings: r.warnings };
}

/** Stores a kit as sent (a Magg kit file verbatim); a legacy list of kit names becomes a map then. */
export function putKit(cfg: HubConfig, name: string, kit: unknown, opts: ParseOptions = {}): Change {
  const r = parseKit(kit, opts);
  if (!r.ok) return refuse(400, r.error, r.path);
  return { ok: true, config: { ...cfg, kits: { ...kitMap(cfg), [name]: r.value } }, warnings: r.warnings };
}

export function deleteKit(cfg: HubConfig, name: string): Change {
  if (!kitMap(cfg)[name]) return refuse(404, `kit '${name}' does not exist`, 'name');
  if (Object.values(cfg.servers).some((s) => s.kits?.includes(name))) return refuse(409, `kit '${name}' is loaded; unload it first`, 'name');
  const kits = { ...kitMap(cfg) };
  delete kits[name];
  return { ok: true, config: { ...cfg, kits } };
}

/** Adds the kit's servers (tagging them with the kit); existing servers just gain the tag. */
export function loadKit(cfg: HubConfig, name: string, enable = true): Change<{ config: HubConfig; added: string[] }> {
  const kit = kitMap(cfg)[name];
  if (!kit) return { ok: false, status: 404, error: `kit '${name}' does not exist`, field: 'name' };
  const servers = { ...cfg.servers };
  const added: string[] = [];
  for (const [sname, s] of Object.entries(kit.servers ?? {})) {
    // Kit files are stored verbatim; their server names become config names (URLs, resource URIs).
    if (!SERVER_NAME_RE.test(sname))
      return { ok: false, status: 400, error: `kit '${name}': server name '${sname}' must match ${SERVER_NAME_RE}`, field: `kits.${name}.servers.${sname}` };
    const cur = servers[sname];
    if (cur) servers[sname] = { ...cur, kits: [...new Set([...(cur.kits ?? []), name])] };
    else {
      servers[sname] = { ...s, enabled: s.enabled ?? enable, kits: [name] };
      added.push(sname);
    }
  }
  return { ok: true, config: { config: { ...cfg, servers }, added } };
}

/** Removes servers that belong to no other kit; others lose the tag (Magg semantics). */
export function unloadKit(cfg: HubConfig, name: string): Change<{ config: HubConfig; removed: string[] }> {
  if (!kitMap(cfg)[name]) return { ok: false, status: 404, error: `kit '${name}' does not exist`, field: 'name' };
  const servers: Record<string, ServerConfig> = {};
  const removed: string[] = [];
  for (const [sname, s] of Object.entries(cfg.servers)) {
    if (!s.kits?.includes(name)) servers[sname] = s;
    else if (s.kits.length > 1) servers[sname] = { ...s, kits: s.kits.filter((k) => k !== name) };
    else removed.push(sname);
  }
  return { ok: true, config: { config: { ...cfg, servers }, removed } };
}

/** Structural rules over the whole config (prefix uniqueness, reserved hub prefix). */
/** Server names edgehub uses for its own mounts. */
const RESERVED_NAMES = new Set(['hub']);

export function validate(cfg: HubConfig, hubPrefix: string): Change {
  const seen = new Map<string, string>();
  for (const name of Object.keys(cfg.servers))
    if (RESERVED_NAMES.has(name.toLowerCase()))
      return refuse(409, `server name '${name}' is reserved for edgehub's own tools; rename the server`, `servers.${name}`);
  for (const [name, s] of Object.entries(cfg.servers)) {
    if (s.enabled === false) continue;
    const prefix = effectivePrefix(name, s);
    if (prefix === hubPrefix) return refuse(409, `server '${name}': prefix '${prefix}' is reserved for edgehub's own tools`, `servers.${name}.prefix`);
    const other = seen.get(prefix);
    if (other !== undefined)
      return refuse(
        409,
        prefix === ''
          ? `server '${name}': only one server may have an empty prefix ('${other}' already has it)`
          : `server '${name}': prefix '${prefix}' is already used by server '${other}'`,
        `servers.${name}.prefix`,
      );
    seen.set(prefix, name);
  }
  return { ok: true, config: cfg };
}

/** Exposed-name collisions between servers, given the tool names each server is known to have. */
export function collisions(cfg: HubConfig, catalogs: ReadonlyMap<string, string[]>, hubPrefix = DEFAULT_SELF_PREFIX): string | null {
  const owner = new Map<string, string>();
  const sep = prefixSep(cfg);
  const own = `${hubPrefix}${sep}`;
  for (const [name, s] of Object.entries(cfg.servers)) {
    if (s.enabled === false) continue;
    const prefix = effectivePrefix(name, s);
    for (const tool of catalogs.get(name) ?? []) {
      const exposed = exposedName(prefix, tool, sep);
      if (exposed.startsWith(own)) return `tool name '${exposed}' of server '${name}' collides with edgehub's own tools (${own}*); give the server a prefix`;
      const other = owner.get(exposed);
      if (other !== undefined && other !== name) return `tool name '${exposed}' of server '${name}' collides with server '${other}'; choose another prefix`;
      owner.set(exposed, name);
    }
  }
  return null;
}

/** Magg's reload order over a diff: remove → disable → update → enable → add. */
export function diff(before: HubConfig, after: HubConfig) {
  const out = { remove: [] as string[], disable: [] as string[], update: [] as string[], enable: [] as string[], add: [] as string[] };
  for (const name of Object.keys(before.servers)) if (!after.servers[name]) out.remove.push(name);
  for (const [name, s] of Object.entries(after.servers)) {
    const b = before.servers[name];
    if (!b) {
      out.add.push(name);
      continue;
    }
    const was = b.enabled !== false;
    const is = s.enabled !== false;
    if (was && !is) out.disable.push(name);
    else if (!was && is) out.enable.push(name);
    else if (JSON.stringify({ ...b, enabled: undefined }) !== JSON.stringify({ ...s, enabled: undefined })) out.update.push(name);
  }
  return out;
}
