/**
 * The connector wire protocol: text WebSocket frames between a ConnectorDO and `edgehub connect`,
 * shared by the Worker and the CLI (plain ESM with JSDoc types, runtime-neutral, like tokens.mjs).
 *
 *   O <server> <session>            edge → connector: open an MCP session with a child of <server>
 *   O <server> <session>\n<json>    … with {"channel": <ticket>} (connectors that dialled with
 *                                   FRAMES_CHANNELS): dial the session's own channel with it
 *   M <server> <session>\n<json>    either way: one JSON-RPC message of that session, as a line
 *   M <server> <session> <id>\n<json>  edge → connector: a message that settles the request <id>
 *                                   (its notifications/cancelled): the connector stops waiting
 *   R <server> <session> <id>\n<json>  edge → connector: a request whose response the edge waits
 *                                   for (<id>: its JSON-RPC id as JSON text); connector → edge: that
 *                                   response (only connectors that dialled with FRAMES_REPLIES)
 *   N <server> <session>            connector → edge: the session's channel could not be dialled
 *                                   (its ticket is withdrawn at once; the session takes the link)
 *   C <server> <session>\n<reason>  edge → connector: end it (kill the child); connector → edge:
 *                                   the child ended or could not start (reason for the client)
 *   A\n<json>                       edge → connector: the assignment {version, servers}
 *   S\n<json>                       connector → edge: per-server state {servers: {name: {...}}}
 *   ping / pong                     heartbeat (answered by the DO's auto-response, never waking it)
 *
 * A session's **channel** is a WebSocket of its own (`GET /connect/<name>/channel`, the ticket in
 * CHANNEL_TICKET_HEADER) between the connector and the edge session: each text frame is one JSON-RPC
 * message as a line, either way, in the order written; the connector's last frame may be
 * CHANNEL_END + the reason the session ended. A channel session's messages never take the `M`/`R`
 * frames above, except when the edge sends one first: then the channel is off for that session.
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

/**
 * Sent by a connector that answers requests with `R` frames (query `frames=` of its dial): an edge
 * that does not see it sends every message as `M` and takes every reply as one.
 */
export const FRAMES_REPLIES = 'replies';
/** Sent by a connector that takes channel tickets in `O` frames (see above). */
export const FRAMES_CHANNELS = 'channels';
/** The request header that carries a channel's ticket. */
export const CHANNEL_TICKET_HEADER = 'x-edgehub-channel';
/** Starts a channel's last frame from the connector: the rest is why the session ended. */
export const CHANNEL_END = 'C\n';

/** @typedef {'O' | 'M' | 'C' | 'N' | 'R' | 'A' | 'S'} FrameType */
/** @typedef {{ type: FrameType, server: string, session: string, id: string, payload: string }} Frame */

/**
 * @param {FrameType} type @param {string} server @param {string} session @param {string} [payload]
 * @param {string} [id] the request the frame answers or settles (JSON text of its JSON-RPC id)
 * @returns {string}
 */
export function sessionFrame(type, server, session, payload, id) {
  const head = id === undefined ? `${type} ${server} ${session}` : `${type} ${server} ${session} ${id}`;
  return payload === undefined ? head : `${head}\n${payload}`;
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
  const [type, server = '', session = ''] = head.split(' ', 3);
  if (type === 'A' || type === 'S') return { type, server: '', session: '', id: '', payload };
  // The id is the rest of the line: a JSON string id may hold spaces (never a line break).
  const id = head.length > type.length + server.length + session.length + 2 ? head.slice(type.length + server.length + session.length + 3) : '';
  if ((type === 'O' || type === 'M' || type === 'C' || type === 'N') && server && session) return { type, server, session, id, payload };
  if (type === 'R' && server && session && id) return { type, server, session, id, payload };
  return null;
}
