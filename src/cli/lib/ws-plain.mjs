/**
 * Options for Node's global WebSocket that dial without offering permessage-deflate.
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
 */

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * @typedef {{ dispatch(opts: { headers?: unknown, upgrade?: string }, handler: unknown): boolean, webSocketOptions?: unknown }} Dispatcher
 */

/** @returns {{ dispatcher?: Dispatcher }} to spread into the WebSocket's options */
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
