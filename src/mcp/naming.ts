/**
 * Exposed names: `{prefix}{sep}{name}`, always inside `^[a-zA-Z0-9_-]{1,64}$` (the strictest
 * common client rule). The separator is `_` unless the config sets Magg's `prefix_sep`, which
 * must be 1–3 of `_`/`-` with a `_` (config/schema.ts): prefixes hold no `_`, so the first `_` of
 * a name always lies in the separator and the name splits back into prefix and tool unambiguously.
 * Names that do not fit are shortened deterministically: characters
 * outside the set become `-`, and a too-long name keeps its head and gets an 8-hex FNV-1a hash of
 * the original, so the same upstream name always maps to the same exposed name.
 *
 * Resource URIs (and URI templates) are namespaced reversibly as `edgehub://{server}/{uri}`: the
 * server name holds no `/`, so the first `/` splits it back, and templates keep their `{vars}`.
 * MCP Apps views (`ui://…`) keep their scheme, which hosts require to render them:
 * `ui://{rest}` becomes `ui://{server}/{rest}`. A server with an empty prefix keeps its URIs unchanged.
 */
export const CLIENT_SAFE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX = 64;

export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function exposedName(prefix: string, name: string, sep = '_'): string {
  const raw = prefix ? `${prefix}${sep}${name}` : name;
  if (CLIENT_SAFE_NAME.test(raw)) return raw;
  const safe = raw.replace(/[^a-zA-Z0-9_-]/g, '-');
  const changed = safe !== raw;
  if (safe.length <= MAX && !changed) return safe;
  const tag = `-${fnv1a(raw)}`;
  return safe.slice(0, Math.min(safe.length, MAX - tag.length)) + tag;
}

const URI_SCHEME = 'edgehub://';
export const UI_SCHEME = 'ui://';

export function exposedUri(server: string, prefix: string, uri: string): string {
  if (prefix === '') return uri;
  if (uri.startsWith(UI_SCHEME)) return `${UI_SCHEME}${server}/${uri.slice(UI_SCHEME.length)}`;
  return `${URI_SCHEME}${server}/${uri}`;
}

/**
 * Splits a namespaced URI into server and original URI; null when it is not ours. A `ui://` URI
 * always splits (its first segment may name a server); the gateway routes it to that server only
 * if one with a prefix has that name, else to the unprefixed server unchanged.
 */
export function parseExposedUri(uri: string): { server: string; uri: string } | null {
  const ui = uri.startsWith(UI_SCHEME);
  if (!ui && !uri.startsWith(URI_SCHEME)) return null;
  const rest = uri.slice((ui ? UI_SCHEME : URI_SCHEME).length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  return { server: rest.slice(0, slash), uri: (ui ? UI_SCHEME : '') + rest.slice(slash + 1) };
}
