/**
 * The requests the edge waits on, per session: it sends each request it expects a response to as
 * an `R` frame and takes that response as the return of its own call to the ConnectorDO (one
 * object call per request instead of two). A line a server writes that answers one goes back as
 * `R` with the id; everything else (notifications, progress, server → client requests, responses
 * nobody waits for) as `M`.
 *
 * Finding the id costs nothing for the usual shapes: the TypeScript SDK writes a response as
 * `{"result":…,"jsonrpc":"2.0","id":7}` and the Python SDK as `{"jsonrpc":"2.0","id":7,"result":…}`,
 * so a line that starts like a response and whose top-level id sits at either end is read without
 * parsing a (possibly multi-megabyte) result; any other line is parsed, and only while a request
 * of that session is waiting.
 */

const ID = String.raw`(-?\d+|"[^"\\]*")`;
/** First key `result`/`error` (a response), id last: `{"result":…,"id":7}`. */
const HEAD_RESULT = /^\{"(?:result|error)":/;
const TAIL_ID = new RegExp(`[,{]"id":${ID}\\}$`);
/** `{"jsonrpc":"2.0","id":7,"result":…}`. */
const HEAD_ID = new RegExp(`^\\{"jsonrpc":"2\\.0","id":${ID},"(?:result|error)":`);

/**
 * The id (JSON text) of the response `line` is, or undefined when it is no response.
 * @param {string} line @param {unknown} [msg] the line already parsed, when the caller has it
 * @returns {string | undefined}
 */
export function responseId(line, msg) {
  if (msg === undefined) {
    const head = HEAD_ID.exec(line);
    if (head) return head[1];
    if (HEAD_RESULT.test(line)) {
      const tail = TAIL_ID.exec(line.length > 256 ? line.slice(-256) : line);
      if (tail) return tail[1];
    }
    // Notifications and requests carry neither key: no need to parse them.
    if (!line.includes('"result"') && !line.includes('"error"')) return undefined;
    try {
      msg = JSON.parse(line);
    } catch {
      return undefined;
    }
  }
  const m = /** @type {Record<string, unknown> | null} */ (msg);
  if (!m || typeof m !== 'object' || 'method' in m || m.id === undefined || m.id === null) return undefined;
  return JSON.stringify(m.id);
}

export class Replies {
  /** `server session` → the ids (JSON text) of its requests the edge waits on. @type {Map<string, Set<string>>} */
  #waiting = new Map();

  /** @param {string} server @param {string} session @param {string} id */
  wait(server, session, id) {
    const key = `${server} ${session}`;
    let ids = this.#waiting.get(key);
    if (!ids) this.#waiting.set(key, (ids = new Set()));
    ids.add(id);
  }

  /** The edge stopped waiting (it cancelled the request). @param {string} server @param {string} session @param {string} id */
  settle(server, session, id) {
    const key = `${server} ${session}`;
    const ids = this.#waiting.get(key);
    if (ids?.delete(id) && !ids.size) this.#waiting.delete(key);
  }

  /**
   * The id `line` answers if the edge waits on it (then no longer), else undefined.
   * @param {string} server @param {string} session @param {string} line @param {unknown} [msg]
   */
  answers(server, session, line, msg) {
    const key = `${server} ${session}`;
    const ids = this.#waiting.get(key);
    if (!ids) return undefined;
    const id = responseId(line, msg);
    if (id === undefined || !ids.delete(id)) return undefined;
    if (!ids.size) this.#waiting.delete(key);
    return id;
  }

  /** @param {string} server @param {string} session */
  forget(server, session) {
    this.#waiting.delete(`${server} ${session}`);
  }

  clear() {
    this.#waiting.clear();
  }
}
