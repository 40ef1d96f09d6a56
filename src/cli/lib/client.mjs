/**
 * The admin API client: `fetch` against `<url>/admin/api`, Bearer token from --token or
 * EDGEHUB_TOKEN, JSON in and out. Every non-2xx answer becomes a CliError carrying the API's
 * `message` and `field` and an exit code by class (errors.mjs). The token is sent only in the
 * Authorization header and is scrubbed from anything that could be printed.
 */
import { isLoopback } from '../../net/loopback.mjs';
import { CliError, EXIT, usage } from './errors.mjs';
import { displayUrl, warn } from './output.mjs';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

/**
 * @typedef {{ status: number, headers: Headers, json: any, text: string }} ApiResponse
 * @typedef {{ body?: unknown, headers?: Record<string, string>, query?: Record<string, string | undefined>, allow?: number[] }} RequestOptions
 */

/** @param {string | undefined} raw */
export function normaliseToken(raw) {
  if (raw === undefined) return undefined;
  const t = raw.trim().replace(/^Bearer\s+/i, '');
  if (!t) return undefined;
  if (/\s/.test(t)) throw usage('the token contains whitespace: pass the JWT only (EDGEHUB_TOKEN or --token)');
  return t;
}

/** @param {string | undefined} raw */
export function normaliseUrl(raw) {
  const s = (raw ?? DEFAULT_URL).trim();
  let u;
  try {
    u = new URL(s);
  } catch {
    throw usage(`--url / EDGEHUB_URL is not a URL: '${s}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage('--url must be an http(s) URL');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

/**
 * @param {{ url: string, token?: string, timeoutMs: number, out: import('./output.mjs').Out }} o
 */
export function createClient(o) {
  const { url, token, timeoutMs, out } = o;
  let warned = false;
  /** @param {string} s */
  const scrub = (s) => (token ? s.split(token).join('[token]') : s);

  /**
   * @param {string} method @param {string} path below the base URL, e.g. `/admin/api/servers`
   * @param {RequestOptions} [opts]
   * @returns {Promise<ApiResponse>}
   */
  async function request(method, path, opts = {}) {
    const target = new URL(url + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) target.searchParams.set(k, v);
    if (token && target.protocol === 'http:' && !isLoopback(target.hostname) && !warned) {
      warned = true;
      warn(out, `sending the token over plain http to ${target.hostname}; use https`);
    }
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', ...opts.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(target, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual', // never replay the Authorization header to another origin
      });
    } catch (e) {
      throw networkError(e, url, timeoutMs);
    }
    let text;
    try {
      text = await res.text();
    } catch (e) {
      throw new CliError(
        `the connection to ${displayUrl(url)} broke while reading the answer to ${method} ${path} (${/** @type {any} */ (e)?.cause?.code ?? /** @type {any} */ (e)?.message ?? e}); the change may or may not have been applied`,
        {
          exitCode: EXIT.UNREACHABLE,
          hint: 'check with `edgehub status` / `edgehub servers list` before retrying',
        },
      );
    }
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: reported below if it was an error */
    }
    if ((res.status >= 200 && res.status < 300) || opts.allow?.includes(res.status)) return { status: res.status, headers: res.headers, json, text };
    throw apiError(res, json, text, { method, path, hasToken: !!token, scrub, url });
  }

  return {
    url,
    request,
    /** @param {string} method @param {string} path @param {RequestOptions} [opts] */
    admin: (method, path, opts) => request(method, `/admin/api${path}`, opts),
  };
}

/** @typedef {ReturnType<typeof createClient>} Client */

/** @param {unknown} e @param {string} url @param {number} timeoutMs */
function networkError(e, url, timeoutMs) {
  const err = /** @type {any} */ (e);
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError')
    return new CliError(`no answer from edgehub at ${displayUrl(url)} within ${timeoutMs / 1000} s`, {
      exitCode: EXIT.UNREACHABLE,
      hint: 'raise --timeout, or check the instance',
    });
  const code = err?.cause?.code ?? err?.code;
  const why = code ?? err?.cause?.message ?? err?.message ?? String(e);
  return new CliError(`cannot reach edgehub at ${displayUrl(url)} (${why})`, {
    exitCode: EXIT.UNREACHABLE,
    hint: 'is it running (`npm run dev`)? set the address with --url or EDGEHUB_URL',
  });
}

/**
 * @param {Response} res @param {any} json @param {string} text
 * @param {{ method: string, path: string, hasToken: boolean, scrub: (s: string) => string, url: string }} c
 */
function apiError(res, json, text, c) {
  const s = res.status;
  let message =
    json && typeof json.message === 'string'
      ? json.message
      : (json?.error?.message ??
        (s >= 300 && s < 400
          ? `redirected to ${res.headers.get('location') ?? '?'}: is --url the edgehub origin?`
          : `HTTP ${s} ${res.statusText}${text && !json ? `: ${text.slice(0, 200)}` : ''}`));
  message = c.scrub(String(message));
  const field = typeof json?.field === 'string' ? json.field : undefined;
  const code = typeof json?.error === 'string' ? json.error : undefined;
  if (s === 401)
    return new CliError(message, {
      exitCode: EXIT.AUTH,
      status: s,
      code,
      hint: c.hasToken
        ? 'the token was refused: mint a fresh one (`edgehub auth token`) whose iss/aud match AUTH_ISSUER/AUTH_AUDIENCE'
        : 'set EDGEHUB_TOKEN to an admin token (`edgehub auth token --scope admin`)',
    });
  if (s === 403)
    return new CliError(message, { exitCode: EXIT.AUTH, status: s, code, hint: /scope/.test(message) ? "the token needs the 'admin' scope" : undefined });
  if (s === 409 || s === 412) return new CliError(message, { exitCode: EXIT.CONFLICT, status: s, code, field });
  if (s === 404 && !json) return new CliError(`${c.method} ${c.path}: not found at ${displayUrl(c.url)} — is this an edgehub instance?`, { status: s });
  return new CliError(message, { exitCode: EXIT.FAILED, status: s, code, field });
}
