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

export function readerView(s: ServerConfig): ServerConfig {
  const { args: _args, env: _env, cwd: _cwd, ...rest } = s;
  const out: ServerConfig = { ...rest };
  if (s.uri) out.uri = redactUri(s.uri);
  if (s.source) out.source = redactUri(s.source);
  if (s.transport) {
    out.transport = { ...s.transport };
    if (s.transport.headers) out.transport.headers = Object.fromEntries(Object.keys(s.transport.headers).map((k) => [k, '***']));
  }
  return out;
}
