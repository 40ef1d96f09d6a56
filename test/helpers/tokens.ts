/**
 * Test keys and tokens, generated at test time (no private key is ever committed). Works in Node
 * (e2e, CLI tests) and inside workerd (integration tests): jose on WebCrypto in both.
 *
 *   const m = await createMinter({ audience: `${url}/mcp` });      // RS256 by default
 *   const t = await m.token({ sub: 'alice', scope: 'mcp:read' });   // defaults below
 *   fetch(url + '/mcp', { headers: { ...bearer(t), ... } });
 *   // AUTH_PUBLIC_KEY = m.keys.publicPem, AUTH_ISSUER = m.issuer, AUTH_AUDIENCE = m.audience
 */
import { generateSigningKeys, type SigningAlg, type SigningKeys, signAccessToken, type TokenClaims } from '../../src/auth/tokens.mjs';

export const TEST_ISSUER = 'https://auth.edgehub.test';
export const ALL_TEST_SCOPES = 'mcp:read mcp:call admin';

export interface TokenRequest extends Partial<TokenClaims> {
  /** Header `kid`; default none (edgehub then tries every key of the alg), `true` = thumbprint. */
  kid?: string | true;
  /** Issue time in epoch seconds (default now): shifts iat and the default exp. */
  now?: number;
}

export interface Minter {
  keys: SigningKeys;
  issuer: string;
  audience: string;
  /** Signs a token: sub "alice", scope all three, tenant unset (= "default"), ttl 1 h unless overridden. */
  token(req?: TokenRequest): Promise<string>;
}

export async function createMinter(o: { alg?: SigningAlg; issuer?: string; audience: string; keys?: SigningKeys }): Promise<Minter> {
  const keys = o.keys ?? (await generateSigningKeys(o.alg ?? 'RS256'));
  const issuer = o.issuer ?? TEST_ISSUER;
  return {
    keys,
    issuer,
    audience: o.audience,
    token: ({ kid, now, ...claims } = {}) =>
      signAccessToken(
        keys.privateKey,
        { iss: issuer, aud: o.audience, sub: 'alice', scope: ALL_TEST_SCOPES, ...claims },
        { alg: keys.alg, kid: kid === true ? keys.kid : kid, now },
      ),
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Base64 (standard) of a UTF-8 string: AUTH_PUBLIC_KEY may be given base64-encoded. */
export function base64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}
