/**
 * Sign-in state of AUTH_MODE=oauth, in OAUTH_KV next to the provider library's records:
 *
 *   edgehub:login:<sha256(state)>    a sign-in in progress at the OpenID provider: nonce, PKCE
 *                                    verifier, where to return. 10 minutes, single use.
 *   edgehub:session:<sha256(id)>     a signed-in browser: the Identity. 12 hours.
 *
 * Only hashes of the random ids are keys, so reading KV alone gives no usable cookie. The login
 * state is bound to the browser that started it (cookie `edgehub_login` must equal `state`), so a
 * stolen provider redirect cannot be completed elsewhere, and nobody can sign a victim in to the
 * attacker's account (login CSRF). The session cookie `edgehub_signin` is HttpOnly, SameSite=Lax
 * (the /authorize navigation arrives from the MCP client's site), Secure on https.
 */
import { hex, randomToken } from '../utils/bytes';
import type { Identity } from './identity';

export const LOGIN_COOKIE = 'edgehub_login';
export const SESSION_COOKIE = 'edgehub_signin';
export const LOGIN_TTL_SEC = 600;
export const SESSION_TTL_SEC = 12 * 3600;

export interface LoginTransaction {
  nonce: string;
  verifier: string;
  /** A same-origin path to go back to (the /authorize request, or /admin). */
  returnTo: string;
}

export const randomId = randomToken;

async function sha256(s: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
}

export async function s256(verifier: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...d))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Only a local path may be a return target (no `//host`, no scheme): no open redirect. */
export function safeReturnTo(v: string | undefined | null, fallback: string): string {
  return v && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : fallback;
}

export async function saveLogin(kv: KVNamespace, state: string, tx: LoginTransaction): Promise<void> {
  await kv.put(`edgehub:login:${await sha256(state)}`, JSON.stringify(tx), { expirationTtl: LOGIN_TTL_SEC });
}

/** The transaction of `state`, deleted as it is read (single use). */
export async function takeLogin(kv: KVNamespace, state: string): Promise<LoginTransaction | null> {
  const key = `edgehub:login:${await sha256(state)}`;
  const tx = await kv.get<LoginTransaction>(key, 'json');
  if (tx) await kv.delete(key);
  return tx;
}

export async function createSession(kv: KVNamespace, identity: Identity): Promise<string> {
  const id = randomId();
  await kv.put(`edgehub:session:${await sha256(id)}`, JSON.stringify({ identity, createdAt: Date.now() }), { expirationTtl: SESSION_TTL_SEC });
  return id;
}

export async function readSession(kv: KVNamespace, id: string | undefined): Promise<Identity | null> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const rec = await kv.get<{ identity: Identity }>(`edgehub:session:${await sha256(id)}`, 'json');
  return rec?.identity ?? null;
}

export async function endSession(kv: KVNamespace, id: string | undefined): Promise<void> {
  if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) await kv.delete(`edgehub:session:${await sha256(id)}`);
}
