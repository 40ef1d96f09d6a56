/**
 * The connector wire protocol: text WebSocket frames between a ConnectorDO and `edgehub connect`,
 * shared by the Worker and the CLI (plain ESM with JSDoc types, runtime-neutral, like tokens.mjs).
 *
 *   O <server> <session>            edge → connector: open an MCP session with a child of <server>
 *   M <server> <session>\n<json>    either way: one JSON-RPC message of that session, as a line
 *   C <server> <session>\n<reason>  edge → connector: end it (kill the child); connector → edge:
 *                                   the child ended or could not start (reason for the client)
 *   A\n<json>                       edge → connector: the assignment {version, servers}
 *   S\n<json>                       connector → edge: per-server state {servers: {name: {...}}}
 *   ping / pong                     heartbeat (answered by the DO's auto-response, never waking it)
 *
 * Why a header line and not one JSON object per frame: the edge routes a message without parsing
 * or re-serialising it (the JSON-RPC payload is forwarded as the child wrote it).
 */

/** Largest frame either side sends or accepts (a bigger message ends its session with a reason). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
export const PING = 'ping';
export const PONG = 'pong';
/** Close code sent to a connection that a newer one for the same (tenant, name) replaced. */
export const CLOSE_REPLACED = 4001;
/** Close code for a connection whose heartbeat stopped. */
export const CLOSE_HEARTBEAT = 4002;
/** Close code for a protocol violation (oversize or malformed frame). */
export const CLOSE_PROTOCOL = 4003;

/** @typedef {'O' | 'M' | 'C' | 'A' | 'S'} FrameType */
/** @typedef {{ type: FrameType, server: string, session: string, payload: string }} Frame */

/**
 * @param {FrameType} type @param {string} server @param {string} session @param {string} [payload]
 * @returns {string}
 */
export function sessionFrame(type, server, session, payload) {
  return payload === undefined ? `${type} ${server} ${session}` : `${type} ${server} ${session}\n${payload}`;
}

/** @param {'A' | 'S'} type @param {unknown} body @returns {string} */
export function controlFrame(type, body) {
  return `${type}\n${JSON.stringify(body)}`;
}

/** @param {string} text @returns {Frame | null} null when malformed */
export function decodeFrame(text) {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  const payload = nl < 0 ? '' : text.slice(nl + 1);
  const [type, server = '', session = ''] = head.split(' ');
  if (type === 'A' || type === 'S') return { type, server: '', session: '', payload };
  if ((type === 'O' || type === 'M' || type === 'C') && server && session) return { type, server, session, payload };
  return null;
}
