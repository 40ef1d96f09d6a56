/**
 * Who a request acts for: the verified token's subject, tenant and scopes (or the local developer
 * in dev-open mode). Every layer above auth takes this type; nothing below it needs it.
 */
export interface Principal {
  /** Subject: the user or client the token was issued to ("dev" in dev-open mode). */
  sub: string;
  tenant: string;
  scopes: readonly string[];
  /** The token's `profile` claim: the principal is bound to that profile's view (runtime/views.ts). */
  profile?: string;
  /** The token's `mode` claim (full | search | code): its default mode. */
  mode?: string;
  /** For tool policies (`principal.claims` in CEL): the verified token's claims (jwt mode), the ID token's at sign-in (oauth mode). Never a token itself. */
  claims?: Readonly<Record<string, unknown>>;
}
