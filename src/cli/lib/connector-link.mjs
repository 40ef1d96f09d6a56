/**
 * The connector's link to edgehub: dials out (`GET /connect/<name>` as a WebSocket, Bearer token),
 * routes frames (../../mcp/connector-frames.mjs) between the ConnectorDO and the supervisor, pings
 * every PING_MS (answered by the edge without waking its object), and redials with backoff
 * (0.5 s doubling to 30 s) whenever the link drops or goes quiet for DEAD_MS. A newer connection
 * under the same name replaces this one: then it stops instead of fighting for the name.
 * Needs Node ≥ 22 (a global WebSocket that accepts headers).
 */
import {
  CLOSE_REPLACED,
  controlFrame,
  decodeFrame,
  FRAMES_CHANNELS,
  FRAMES_REPLIES,
  MAX_FRAME_BYTES,
  PING,
  PONG,
  sessionFrame,
} from '../../mcp/connector-frames.mjs';
import { Channels, channelTicket } from './channels.mjs';
import { CliError, EXIT } from './errors.mjs';
import { Replies } from './replies.mjs';
import { Supervisor } from './supervisor.mjs';

const PING_MS = 2_000;
const DEAD_MS = 10_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * @param {{ url: string, token?: string, name: string, env: NodeJS.ProcessEnv, log: (line: string) => void }} o
 * @returns {Promise<number>} the exit code, when stopped (signal) or replaced
 */
export async function runConnector(o) {
  if (typeof WebSocket !== 'function') throw new CliError('`edgehub connect` needs Node 22 or newer (a global WebSocket)', { exitCode: EXIT.USAGE });
  const base = o.url.replace(/^http/, 'ws');
  const target = `${base}/connect/${encodeURIComponent(o.name)}?frames=${FRAMES_REPLIES},${FRAMES_CHANNELS}`;
  const auth = o.token ? { authorization: `Bearer ${o.token}` } : {};
  await preflight(o);
  // Loaded here, not at the top: every other CLI command would pay for the SDK's client transports.
  const { HttpSlot } = await import('./http-relay.mjs');
  /** @type {WebSocket | null} */
  let ws = null;
  const send = (/** @type {string} */ frame) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
  };
  const replies = new Replies();
  /** A line for the edge on the link: `R` when it answers a request the edge waits on there. @param {string} server @param {string} session @param {string} line @param {unknown} [msg] */
  const toLink = (server, session, line, msg) => {
    const id = replies.answers(server, session, line, msg);
    send(id === undefined ? sessionFrame('M', server, session, line) : sessionFrame('R', server, session, line, id));
  };
  /** The session ended on this side: its channel's last frame, or `C` on the link. @param {string} server @param {string} session @param {string} reason */
  const endSession = (server, session, reason) => {
    replies.forget(server, session);
    if (!channels.end(server, session, reason)) send(sessionFrame('C', server, session, reason));
  };
  const channels = new Channels(o.name, {
    dial: (path, headers) => new WebSocket(`${base}${path}`, /** @type {any} */ ({ headers: { ...auth, ...headers }, ...withoutDeflate() })),
    message: (server, session, line) => sup.message(server, session, line),
    // The dial failed: the edge stops waiting for it (N), then gets what the child wrote so far.
    fallback: (server, session, lines) => {
      send(sessionFrame('N', server, session));
      for (const line of lines) toLink(server, session, line);
    },
    ended: (server, session, reason) => {
      sup.close(server, session);
      replies.forget(server, session);
      send(sessionFrame('C', server, session, reason));
    },
  });
  const sup = new Supervisor(
    {
      message: (server, session, line, msg) => {
        if (line.length > MAX_FRAME_BYTES - 200) {
          sup.close(server, session);
          endSession(server, session, `${server} wrote a message over 4 MiB`);
          return;
        }
        if (!channels.send(server, session, line)) toLink(server, session, line, msg);
      },
      closed: endSession,
      status: (servers) => send(controlFrame('S', { servers })),
      log: o.log,
    },
    o.env,
    (name, entry, owner) => new HttpSlot(name, entry, owner),
  );

  return new Promise((resolve) => {
    let backoff = BACKOFF_MIN_MS;
    let stopping = false;
    /** @type {NodeJS.Timeout | undefined} */
    let retry;
    // Node does not keep a process alive for a WebSocket that is still connecting: this does.
    const keepAlive = setInterval(() => {}, 60_000);
    const stop = (/** @type {number} */ code) => {
      stopping = true;
      clearInterval(keepAlive);
      clearTimeout(retry);
      sup.stopAll();
      ws?.close(1000, 'connector stopping');
      resolve(code);
      // Children were sent SIGTERM; do not wait on a close handshake the edge may never finish.
      setTimeout(() => process.exit(code), 2500).unref();
    };
    process.on('SIGINT', () => stop(EXIT.OK));
    process.on('SIGTERM', () => stop(EXIT.OK));

    const dial = () => {
      const sock = new WebSocket(target, /** @type {any} */ ({ headers: auth, ...withoutDeflate() }));
      ws = sock;
      let lastSeen = Date.now();
      /** @type {NodeJS.Timeout | undefined} */
      let pinger;
      sock.onopen = () => {
        o.log(`connected to ${o.url} as connector '${o.name}'`);
        backoff = BACKOFF_MIN_MS;
        lastSeen = Date.now();
        pinger = setInterval(() => {
          if (Date.now() - lastSeen > DEAD_MS) return sock.close(4000, 'no answer to pings');
          sock.send(PING);
        }, PING_MS);
      };
      sock.onmessage = (ev) => {
        lastSeen = Date.now();
        if (typeof ev.data !== 'string' || ev.data === PONG) return;
        const f = decodeFrame(ev.data);
        if (!f) return;
        if (f.type === 'A') {
          const a = JSON.parse(f.payload);
          o.log(`assignment (config version ${a.version}): ${Object.keys(a.servers).join(', ') || '(no servers)'}`);
          sup.assign(a.servers);
        } else if (f.type === 'O') {
          const ticket = channelTicket(f.payload);
          if (ticket) channels.dial(f.server, f.session, ticket);
          sup.open(f.server, f.session);
        } else if (f.type === 'R' || f.type === 'M') {
          // The edge took the link for this session: no channel (what one held goes first).
          const held = channels.off(f.server, f.session);
          if (held) for (const line of held) toLink(f.server, f.session, line);
          if (f.type === 'R') replies.wait(f.server, f.session, f.id);
          else if (f.id) replies.settle(f.server, f.session, f.id);
          sup.message(f.server, f.session, f.payload);
        } else if (f.type === 'C') {
          replies.forget(f.server, f.session);
          channels.off(f.server, f.session);
          sup.close(f.server, f.session);
        }
      };
      // A refused handshake fires only `error` in Node's WebSocket (no `close`): both end the link.
      sock.onerror = () => ended({ code: 1006, reason: 'connection failed' });
      sock.onclose = (ev) => ended(ev);
      /** @param {{ code: number, reason: string }} ev */
      const ended = (ev) => {
        clearInterval(pinger);
        if (ws !== sock) return;
        ws = null;
        sup.dropSessions();
        replies.clear();
        channels.closeAll();
        if (stopping) return;
        if (ev.code === CLOSE_REPLACED) {
          o.log(`another connector connected as '${o.name}' and replaced this one; stopping`);
          return stop(EXIT.FAILED);
        }
        o.log(`disconnected (${ev.code}${ev.reason ? ` ${ev.reason}` : ''}); reconnecting in ${(backoff / 1000).toFixed(1)} s`);
        retry = setTimeout(dial, backoff * (0.8 + Math.random() * 0.4));
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      };
    };
    dial();
  });
}

/**
 * One plain GET first: a WebSocket handshake refused with 401/403 tells nothing, this does.
 * Unreachable is not fatal (the link retries); a refused token or name is.
 * @param {{ url: string, token?: string, name: string }} o
 */
async function preflight(o) {
  let res;
  try {
    res = await fetch(`${o.url}/connect/${encodeURIComponent(o.name)}`, {
      headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
  } catch {
    return;
  }
  if (res.status === 401 || res.status === 403 || res.status === 400) {
    const body = await res.json().catch(() => ({}));
    throw new CliError(body.message ?? body.error?.message ?? `edgehub refused the connector (HTTP ${res.status})`, {
      exitCode: res.status === 400 ? EXIT.USAGE : EXIT.AUTH,
      hint: res.status === 400 ? undefined : "mint a token with the 'connector' scope: `edgehub auth token --sub my-laptop --scope connector`",
    });
  }
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * @typedef {{ dispatch(opts: { headers?: unknown, upgrade?: string }, handler: unknown): boolean, webSocketOptions?: unknown }} Dispatcher
 */

/**
 * Options for Node's global WebSocket that dial without offering permessage-deflate (the link,
 * and the bench's bare WebSocket peer, which must dial the same way).
 *
 * Why: Node's WebSocket (undici) always offers the extension and only inflates (it never
 * compresses what it sends), so on the connector's link compression only ever applies to the
 * edge's frames to the connector: the requests, a few hundred bytes each. For those, deflate at the
 * edge and inflate here (on libuv's thread pool: one more thread hop per frame) cost CPU and a
 * little latency on every call and save next to nothing (`npm run bench -- --only connector`).
 *
 * How: undici's WebSocket accepts a `dispatcher` (its Dispatcher interface, `dispatch(opts,
 * handler)`); this one hands every request to Node's global dispatcher with the
 * `sec-websocket-extensions` header left out. Should a Node version shape its internals
 * otherwise (no global dispatcher yet, headers not a plain object), the socket simply keeps
 * compression: nothing breaks.
 *
 * @returns {{ dispatcher?: Dispatcher }} to spread into the WebSocket's options
 */
export function withoutDeflate() {
  const base = /** @type {Dispatcher | undefined} */ (/** @type {Record<symbol, unknown>} */ (globalThis)[GLOBAL_DISPATCHER]);
  if (!base || typeof base.dispatch !== 'function') return {};
  /** @type {Dispatcher} */
  const dispatcher = {
    dispatch(opts, handler) {
      const h = opts.headers;
      if (opts.upgrade === 'websocket' && h && typeof h === 'object' && !Array.isArray(h) && 'sec-websocket-extensions' in h) {
        const { 'sec-websocket-extensions': _, ...headers } = /** @type {Record<string, string>} */ (h);
        return base.dispatch({ ...opts, headers }, handler);
      }
      return base.dispatch(opts, handler);
    },
    get webSocketOptions() {
      return base.webSocketOptions;
    },
  };
  return { dispatcher };
}
