/**
 * What a principal without the `admin` scope may see of the configuration (hub_list_servers,
 * `hub://servers/*`, the same resources through `proxy`). Admin reads already hide secret values
 * (config/secrets.ts redactServer); a reader sees less still: upstream URIs lose their userinfo,
 * query and fragment (where API keys tend to hide), stdio entries lose `args`, `env` and `cwd`
 * (command lines carry tokens and paths), and header values are hidden entirely.
 */
import type { ServerConfig } from './schema';

/** An http(s) URI without userinfo, query or fragment (`?…` marks that a query was there). */
export function redactUri(uri: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return uri;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return uri;
  const hadQuery = u.search !== '' || u.hash !== '';
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return `${u.toString()}${hadQuery ? '?…' : ''}`;
}

/** Every http(s) URL inside a free text (an error message, a note) passed through redactUri. */
export function redactUrlsIn(text: string): string {
  return text.replace(/https?:\/\/[^\s'"<>`]+/g, (m) => redactUri(m));
}

/** Fields a non-admin may see as they are; anything else (an unknown key kept from a lenient import,
 * `args`, `env`, `cwd`, `transport.auth`) is left out. */
const SERVER_FIELDS = ['name', 'prefix', 'notes', 'command', 'enabled', 'kits'] as const;
const TRANSPORT_FIELDS = [
  'sse_read_timeout',
  'keep_alive',
  'timeout',
  'connect_timeout_ms',
  'call_timeout_ms',
  'list_timeout_ms',
  'breaker_failures',
  'breaker_cooldown_ms',
  'connector',
] as const;

function pick<T extends object>(o: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k))) as Partial<T>;
}

export function readerView(s: ServerConfig): ServerConfig {
  const out = pick(s, SERVER_FIELDS) as ServerConfig;
  if (s.uri) out.uri = redactUri(s.uri);
  if (s.source) out.source = redactUri(s.source);
  if (s.transport) {
    out.transport = pick(s.transport, TRANSPORT_FIELDS);
    if (s.transport.headers) out.transport.headers = Object.fromEntries(Object.keys(s.transport.headers).map((k) => [k, '***']));
  }
  return out;
}
