/**
 * Grants of AUTH_MODE=oauth (pure logic over the provider library's helpers): which scopes an app
 * gets, whether a person already approved this app (then the consent page is skipped), and issuing
 * a grant.
 *
 * - Scopes: what the app asked for that the person may grant (OAUTH_DEFAULT_SCOPES, `admin` for
 *   OAUTH_ADMINS); everything they may when it asked for nothing. `offline_access` is ignored:
 *   every grant has a refresh token.
 * - Remembered: a grant of the same person for the same client, redirect URI and resource that
 *   covers the scopes (asking for more shows the page again).
 * - Issuing replaces the person's earlier grant for that client and resource; for a metadata-document
 *   client (one client id shared by every install of the app, each with its own loopback redirect)
 *   only the grant of the same redirect URI, so signing in on a second machine keeps the first.
 *   (The library scopes this itself only for documents it resolves; edgehub resolves them: cimd.ts.)
 */
import type { AuthRequest, GrantSummary, OAuthHelpers } from '@cloudflare/workers-oauth-provider';
import { isCimdClientId } from './cimd';
import type { Identity } from './identity';
import { type GrantProps, userIdOf } from './server';
import type { OAuthSettings } from './settings';

export function grantScopes(asked: string[], who: Identity): { scopes: string[]; refused: string[] } {
  const requested = asked.filter((s) => s !== 'offline_access');
  if (!requested.length) return { scopes: [...who.scopes], refused: [] };
  return { scopes: requested.filter((s) => who.scopes.includes(s)), refused: requested.filter((s) => !who.scopes.includes(s)) };
}

async function grantsOf(api: OAuthHelpers, who: Identity): Promise<GrantSummary[]> {
  const out: GrantSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(userIdOf(who), { cursor, limit: 100 });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor && out.length < 1000);
  return out;
}

const sameInstall = (g: GrantSummary, r: AuthRequest) => g.clientId === r.clientId && (!r.resource || g.resource === r.resource);

export async function remembered(api: OAuthHelpers, request: AuthRequest, who: Identity, scopes: string[]): Promise<boolean> {
  return (await grantsOf(api, who)).some(
    (g) => sameInstall(g, request) && (!g.redirectUri || g.redirectUri === request.redirectUri) && scopes.every((s) => g.scope.includes(s)),
  );
}

/** Stores the grant and returns the redirect (code, state, iss) back to the client. */
export async function issueGrant(api: OAuthHelpers, settings: OAuthSettings, request: AuthRequest, who: Identity, scopes: string[]): Promise<string> {
  const shared = isCimdClientId(request.clientId, settings.allowPrivate);
  const replaced = shared ? (await grantsOf(api, who)).filter((g) => sameInstall(g, request) && g.redirectUri === request.redirectUri) : [];
  const props: GrantProps = { sub: who.sub, tenant: who.tenant, email: who.email, ...(who.claims ? { claims: who.claims } : {}) };
  const { redirectTo } = await api.completeAuthorization({
    request,
    userId: userIdOf(who),
    metadata: { sub: who.sub, tenant: who.tenant },
    scope: scopes,
    props,
    revokeExistingGrants: !shared,
  });
  for (const g of replaced) await api.revokeGrant(g.id, userIdOf(who));
  return redirectTo;
}
