/**
 * Which connector (`edgehub connect --name`) serves a server entry, and what it is sent.
 *
 * stdio entries (`command`) always run on a connector: `transport.connector`, or `default`. An
 * http(s) entry names one explicitly to be reached from that machine (a server on its private
 * network); without `transport.connector` the edge calls it directly. The assignment carries the
 * entries' raw text: `${NAME}` in `env` and in an http entry's `headers` is resolved on the
 * connector's machine from its own environment, never from the tenant's secrets (none are sent).
 */
import { type HubConfig, SERVER_NAME_RE, type ServerConfig } from './schema';

export const DEFAULT_CONNECTOR = 'default';
/** As server names: used in the `/connect/:name` route and Durable Object names. */
export const CONNECTOR_NAME_RE = SERVER_NAME_RE;

/** The connector that runs this entry, or null when the edge serves it itself. */
export function connectorOf(s: ServerConfig): string | null {
  if (s.uri) return /^https?:\/\//.test(s.uri) ? (s.transport?.connector ?? null) : null;
  if (s.command) return s.transport?.connector ?? DEFAULT_CONNECTOR;
  return null;
}

/** What a connector receives for a stdio entry: what it needs to start the process, nothing else. */
export interface AssignedStdio {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** What a connector receives for an http(s) entry: where to connect, headers as raw text. */
export interface AssignedHttp {
  uri: string;
  headers: Record<string, string>;
}

export type AssignedServer = AssignedStdio | AssignedHttp;

export interface Assignment {
  version: number;
  servers: Record<string, AssignedServer>;
}

/** The enabled entries of `config` that connector `name` runs. */
export function assignmentFor(name: string, version: number, config: HubConfig): Assignment {
  const servers: Record<string, AssignedServer> = {};
  for (const [n, s] of Object.entries(config.servers)) {
    if (s.enabled === false || connectorOf(s) !== name) continue;
    if (s.uri) servers[n] = { uri: s.uri, headers: s.transport?.headers ?? {} };
    else if (s.command) servers[n] = { command: s.command, args: s.args ?? [], env: s.env ?? {}, ...(s.cwd ? { cwd: s.cwd } : {}) };
  }
  return { version, servers };
}

/** Every connector some entry of `config` names (the ConfigDO tells each of them about a change). */
export function connectorNames(config: HubConfig): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(config.servers)) {
    const c = connectorOf(s);
    if (c) out.add(c);
  }
  return out;
}
