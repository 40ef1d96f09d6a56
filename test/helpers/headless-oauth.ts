/**
 * A headless "browser" for OAuth flows: a cookie jar (one per instance, shared across loopback
 * ports as a browser shares cookies per host), manual redirects, and the three pages a person would
 * act on filled in: the test provider's login form (user name), its consent form, and edgehub's
 * consent page (Approve or Deny, posted with this origin as a browser would). It stops at the first
 * redirect to `stopAt` (the MCP client's redirect_uri) and returns that URL.
 *
 * HeadlessAuth is an `OAuthClientProvider` for the official MCP SDK whose redirectToAuthorization
 * runs the browser, so the SDK's own flow (RFC 9728/8414 discovery, registration or a metadata
 * document client id, PKCE, code exchange, refresh) runs end to end.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface Step {
  method: string;
  url: string;
  status: number;
}

export class HeadlessBrowser {
  readonly jar = new Map<string, string>();
  readonly steps: Step[] = [];
  lastPage = '';

  user: string;
  decision: 'approve' | 'deny';

  // Plain fields, no parameter properties: the bench imports this file with Node's type stripping.
  constructor(user: string, decision: 'approve' | 'deny' = 'approve') {
    this.user = user;
    this.decision = decision;
  }

  #cookies(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(method: string, url: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.#cookies(), accept: 'text/html' };
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = new URL(url).origin;
    }
    const res = await fetch(url, { method, headers, body: form ? new URLSearchParams(form) : undefined, redirect: 'manual' });
    this.#store(res);
    this.steps.push({ method, url, status: res.status });
    return res;
  }

  /** Follow from `url` until a redirect to `stopAt`; returns that URL, or throws with the page it got stuck on. */
  async run(url: string, stopAt: string): Promise<string> {
    let method = 'GET';
    let form: Record<string, string> | undefined;
    for (let i = 0; i < 30; i++) {
      if (url.startsWith(stopAt)) return url;
      const res = await this.request(method, url, form);
      method = 'GET';
      form = undefined;
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url).toString();
        await res.body?.cancel();
        continue;
      }
      const html = await res.text();
      this.lastPage = html;
      if (res.status !== 200) throw new HeadlessError(`${res.status} at ${url}`, res.status, html);
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
      const target = action ? new URL(action, url).toString() : url;
      if (/name="login"/.test(html)) form = { prompt: 'login', login: this.user, password: 'any' };
      else if (/name="prompt" value="consent"/.test(html)) form = { prompt: 'consent' };
      else if (/name="handle"/.test(html)) {
        // edgehub's consent page: one form per decision (hidden `decision` field).
        const handle = /name="handle" value="([^"]+)"/.exec(html)![1];
        form = { handle, decision: this.decision };
      } else throw new HeadlessError(`no form to act on at ${url}`, res.status, html);
      method = 'POST';
      url = target;
    }
    throw new Error('too many steps');
  }
}

export class HeadlessError extends Error {
  readonly status: number;
  readonly page: string;

  constructor(message: string, status: number, page: string) {
    super(message);
    this.status = status;
    this.page = page;
  }
}

export class HeadlessAuth implements OAuthClientProvider {
  #client?: OAuthClientInformationMixed;
  #tokens?: OAuthTokens;
  #verifier = '';
  /** The code of the last completed authorization (for transport.finishAuth). */
  code?: string;
  lastRedirect?: URL;
  authorizationUrls: URL[] = [];

  readonly browser: HeadlessBrowser;
  readonly redirectUri: string;

  constructor(browser: HeadlessBrowser, redirectUri: string, opts: { clientId?: string } = {}) {
    this.browser = browser;
    this.redirectUri = redirectUri;
    if (opts.clientId) this.#client = { client_id: opts.clientId };
  }

  get redirectUrl() {
    return this.redirectUri;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'e2e headless client',
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(t: OAuthTokens) {
    this.#tokens = t;
  }
  saveCodeVerifier(v: string) {
    this.#verifier = v;
  }
  codeVerifier() {
    return this.#verifier;
  }

  async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    const back = new URL(await this.browser.run(url.toString(), this.redirectUri));
    this.lastRedirect = back;
    this.code = back.searchParams.get('code') ?? undefined;
  }
}
