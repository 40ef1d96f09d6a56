/**
 * A real OpenID provider for tests: `oidc-provider` (certified, Node) on 127.0.0.1 with its
 * development interactions (a login form that accepts any user name, a consent form), so a
 * headless cookie-jar client (headless-oauth.ts) or Chromium can sign in. Users are given by
 * claims; the account id is the login name typed into the form.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

export interface Idp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Stop answering (the provider is "down") and start again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startIdp(opts: { port: number; redirectUri: string; users: Record<string, Record<string, unknown>> }): Promise<Idp> {
  const issuer = `http://127.0.0.1:${opts.port}`;
  const clientId = 'edgehub-e2e';
  const clientSecret = 'edgehub-e2e-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'org', 'dept'] },
    // The claims go into the ID token itself (edgehub reads no userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['edgehub-e2e-cookie-key-0123456789'] },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...(opts.users[id] ?? { email: `${id}@example.com`, email_verified: true }) }),
    }),
  });
  // oidc-provider logs a warning per dev interaction; keep test output readable.
  provider.on('server_error', (_ctx: unknown, err: unknown) => console.error('idp error', err));
  const callback = provider.callback();
  let server: Server | undefined;
  const start = () =>
    new Promise<void>((res, rej) => {
      server = createServer(callback);
      server.once('error', rej);
      server.listen(opts.port, '127.0.0.1', () => res());
    });
  const stop = () =>
    new Promise<void>((res) => {
      if (!server) return res();
      server.closeAllConnections();
      server.close(() => res());
      server = undefined;
    });
  await start();
  return { issuer, clientId, clientSecret, start, stop, close: stop };
}

/** The `wrangler dev` vars of an `AUTH_MODE=oauth` edgehub signing people in at `idp` (tenant from `org`). */
export function oauthModeVars(idp: Idp, publicUrl: string, admins: string): Record<string, string> {
  return {
    AUTH_MODE: 'oauth',
    PUBLIC_URL: publicUrl,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    OIDC_TENANT_CLAIM: 'org',
    OAUTH_ADMINS: admins,
    ALLOW_PRIVATE_UPSTREAMS: 'true',
    HEALTH_INTERVAL_SECONDS: '3600',
  };
}
