/**
 * An OAuth-protected upstream (`transport.auth: "oauth"`, src/vault/): each principal's requests go
 * through their own connection whose fetch attaches their own token, so no call ever reaches the
 * upstream as someone else.
 *
 * - Tokens come from the principal's VaultDO and are cached here until REFRESH_AHEAD_MS before
 *   they end, re-checked every TOKEN_RECHECK_MS (so a revoke reaches every runtime within it); the
 *   hot path costs a Map lookup. A 401 asks the vault once for a refreshed one.
 * - A token is attached only to requests for the upstream's own origin; anything else the
 *   transport fetches goes out without it. The client's own token never reaches this layer.
 * - Connections per principal are bounded (MAX_PRINCIPALS, least recently used closed first): a
 *   session (legacy lane) uses one; the modern lane's per-tenant runtime serves many.
 * - The catalog uses the caller's own grant when the runtime has one principal (a session), else
 *   the tenant's shared grant, else the first user's; with none, the list fails as
 *   `needs-authorization` (NeedsAuthorizationError). Calls only ever use the caller's own (or, in shared mode, the shared) grant.
 */
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import type { GrantSource } from '../vault/client';
import { REFRESH_AHEAD_MS, type TokenReply } from '../vault/service';
import { consentReply } from './consent';
import type { Catalog, Json, Provider } from './provider';

export const MAX_PRINCIPALS = 64;
/** A cached token is re-checked with the vault this often: a revoke reaches every runtime within it. */
export const TOKEN_RECHECK_MS = 30_000;

export interface OAuthUpstreamOptions {
  name: string;
  grants: GrantSource;
  /** The upstream client over `fetch` (which attaches the token). */
  build(fetch: typeof globalThis.fetch): Provider;
  /** The SSRF-guarded fetch underneath. */
  base: typeof globalThis.fetch;
  /** Legacy lane: the session's principal. */
  principal?: string;
}

export type AuthState = 'connected' | 'needs-authorization' | 'unknown';

/**
 * No grant exists yet to list this upstream with. Thrown (not an empty catalog) so the gateway
 * retries the list within a second instead of caching an empty one; the mount check and
 * hub_status report it as `needs-authorization`, not as a failure.
 */
export class NeedsAuthorizationError extends Error {
  readonly code = 'NEEDS_AUTHORIZATION';
}

export const isNeedsAuthorization = (e: unknown) => (e as { code?: unknown } | null)?.code === 'NEEDS_AUTHORIZATION';

export class OAuthUpstream implements Provider {
  readonly name: string;
  readonly #origin: string;
  #tokens = new Map<string, TokenReply & { at: number }>();
  #providers = new Map<string, Provider>();
  #state: AuthState = 'unknown';

  constructor(private readonly opts: OAuthUpstreamOptions) {
    this.name = opts.name;
    this.#origin = new URL(opts.grants.spec.resource).origin;
  }

  authStatus(): { mode: 'user' | 'shared'; state: AuthState; needs?: string } {
    const mode = this.opts.grants.spec.mode;
    if (this.#state !== 'needs-authorization') return { mode, state: this.#state };
    return { mode, state: this.#state, needs: mode === 'shared' ? "an admin's shared sign-in (hub_connect)" : 'your own sign-in (hub_connect)' };
  }

  async #token(sub: string, rejected?: string): Promise<TokenReply | null> {
    const hit = this.#tokens.get(sub);
    const now = Date.now();
    if (!rejected && hit && now - hit.at < TOKEN_RECHECK_MS && (hit.expiresAt === 0 || hit.expiresAt - now > REFRESH_AHEAD_MS)) return hit;
    let t: TokenReply | null;
    try {
      t = await this.opts.grants.token(sub, rejected);
    } catch (e) {
      throw new RpcError(ErrorCode.UpstreamUnavailable, `${this.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (t) this.#tokens.set(sub, { ...t, at: now });
    else this.#tokens.delete(sub);
    return t;
  }

  #fetchFor(sub: string): typeof fetch {
    const base = this.opts.base;
    return async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      // Origin check by prefix (the hot path): `${origin}/` cannot be followed by another authority.
      if (!url.startsWith(this.#origin) || (url.length > this.#origin.length && url[this.#origin.length] !== '/')) return base(input, init);
      const send = (t: TokenReply) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${t.token}`);
        return base(input, { ...init, headers });
      };
      const t = await this.#token(sub);
      if (!t) throw new RpcError(ErrorCode.UpstreamUnavailable, `${this.name} needs authorization`);
      const res = await send(t);
      if (res.status !== 401) return res;
      // Once on a 401: the vault refreshes (or drops a grant the server no longer honours).
      await res.body?.cancel();
      const again = await this.#token(sub, t.fingerprint);
      if (!again) throw new RpcError(ErrorCode.UpstreamUnavailable, `${this.name} needs authorization again`);
      return send(again);
    };
  }

  #provider(sub: string): Provider {
    let p = this.#providers.get(sub);
    if (p) {
      this.#providers.delete(sub);
      this.#providers.set(sub, p);
      return p;
    }
    while (this.#providers.size >= MAX_PRINCIPALS) {
      const [oldest, dropped] = this.#providers.entries().next().value as [string, Provider];
      this.#providers.delete(oldest);
      this.#tokens.delete(oldest);
      void dropped.close?.();
    }
    p = this.opts.build(this.#fetchFor(sub));
    this.#providers.set(sub, p);
    return p;
  }

  async catalog(signal?: AbortSignal): Promise<Catalog> {
    const own = this.opts.principal;
    if (own !== undefined && (await this.#token(own))) {
      this.#state = 'connected';
      return this.#provider(own).catalog(signal);
    }
    const src = await this.opts.grants.catalogToken().catch((e) => {
      throw new RpcError(ErrorCode.UpstreamUnavailable, `${this.name}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!src) {
      this.#state = 'needs-authorization';
      const who = this.opts.grants.spec.mode === 'shared' ? 'an admin signs in for the tenant' : 'no one has signed in yet; each user signs in for themselves';
      throw new NeedsAuthorizationError(`${this.name} needs authorization: ${who} with hub_connect {"server": "${this.name}"}`);
    }
    if (own === undefined) this.#state = 'connected';
    else this.#state = 'needs-authorization';
    this.#tokens.set(src.sub, { ...src.grant, at: Date.now() });
    return this.#provider(src.sub).catalog(signal);
  }

  /** The caller's provider, or null (then the reply is the consent). */
  async #mine(ctx: RequestContext): Promise<Provider | null> {
    return (await this.#token(ctx.principal.sub)) ? this.#provider(ctx.principal.sub) : null;
  }

  async #consent(ctx: RequestContext, as: 'error' | 'result' | 'protocol' = 'error'): Promise<Json> {
    if (this.opts.grants.spec.mode === 'shared' && !ctx.principal.scopes.includes('admin'))
      return {
        content: [
          { type: 'text', text: `${this.name} uses one shared sign-in for the tenant, which an admin makes with hub_connect {"server": "${this.name}"}` },
        ],
        isError: true,
      };
    let url: string;
    // The callback sends notifications/elicitation/complete with this id to the principal's sessions.
    const elicitationId = crypto.randomUUID();
    try {
      url = await this.opts.grants.consentLink(ctx.principal.sub, elicitationId);
    } catch (e) {
      return { content: [{ type: 'text', text: `${this.name} cannot be signed in to: ${e instanceof Error ? e.message : String(e)}` }], isError: true };
    }
    return consentReply(ctx, this.name, url, as, elicitationId);
  }

  /** hub_connect: a fresh consent for the caller (a reconnect replaces the grant when it completes). */
  signIn(ctx: RequestContext): Promise<Json> {
    return this.#consent(ctx, 'result');
  }

  async #run(ctx: RequestContext, op: (p: Provider) => Promise<Json>, as: 'error' | 'protocol' = 'error'): Promise<Json> {
    const p = await this.#mine(ctx);
    if (!p) return this.#consent(ctx, as);
    try {
      return await op(p);
    } catch (e) {
      // The grant ended during the call (refresh refused): ask again rather than fail.
      if (!this.#tokens.has(ctx.principal.sub)) return this.#consent(ctx, as);
      throw e;
    }
  }

  callTool(ctx: RequestContext, name: string, args: Json): Promise<Json> {
    return this.#run(ctx, (p) => p.callTool(ctx, name, args));
  }
  readResource(ctx: RequestContext, uri: string): Promise<Json> {
    return this.#run(ctx, (p) => (p.readResource ? p.readResource(ctx, uri) : Promise.resolve({ contents: [] })), 'protocol');
  }
  getPrompt(ctx: RequestContext, name: string, args: Record<string, string>): Promise<Json> {
    return this.#run(ctx, (p) => (p.getPrompt ? p.getPrompt(ctx, name, args) : Promise.reject(new Error(`${this.name} has no prompts`))), 'protocol');
  }
  async complete(ctx: RequestContext, params: Json): Promise<Json> {
    const p = await this.#mine(ctx);
    return p?.complete ? p.complete(ctx, params) : { completion: { values: [], hasMore: false } };
  }
  invalidate(): void {
    for (const p of this.#providers.values()) p.invalidate?.();
  }
  async close(): Promise<void> {
    const all = [...this.#providers.values()];
    this.#providers.clear();
    this.#tokens.clear();
    await Promise.all(all.map((p) => p.close?.()));
  }
}
