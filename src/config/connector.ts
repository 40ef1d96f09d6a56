/**
 * Which connector (`edgehub connect --name`) serves a server entry, and what it is sent.
 *
 * stdio entries (`command`) always run on a connector: `transport.connector`, or `default`. An
 * http(s) entry names one only to be reached from that machine (not implemented yet: such an entry
 * is served directly by the edge). The assignment carries the entries' raw text: `${NAME}` in `env`
 * is resolved on the connector's machine from its own environment, never from the tenant's secrets.
 */
import { type HubConfig, SERVER_NAME_RE, type ServerConfig } from './schema';

export const DEFAULT_CONNECTOR = 'default';
/** As server names: used in the `/connect/:name` route and Durable Object names. */
export const CONNECTOR_NAME_RE = SERVER_NAME_RE;

/** The connector that runs this entry, or null when the edge serves it itself. */
export function connectorOf(s: ServerConfig): string | null {
  if (s.uri) return null;
  if (s.command) return s.transport?.connector ?? DEFAULT_CONNECTOR;
  return null;
}

/** What a connector receives for one entry: what it needs to start the process, nothing else. */
export interface AssignedServer {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface Assignment {
  version: number;
  servers: Record<string, AssignedServer>;
}

/** The enabled entries of `config` that connector `name` runs. */
export function assignmentFor(name: string, version: number, config: HubConfig): Assignment {
  const servers: Record<string, AssignedServer> = {};
  for (const [n, s] of Object.entries(config.servers)) {
    if (s.enabled === false || connectorOf(s) !== name || !s.command) continue;
    servers[n] = { command: s.command, args: s.args ?? [], env: s.env ?? {}, ...(s.cwd ? { cwd: s.cwd } : {}) };
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
