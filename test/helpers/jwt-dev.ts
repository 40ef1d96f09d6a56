/**
 * A `wrangler dev` in jwt mode for the attack suites (test/e2e/security-*.test.ts): its own RS256
 * key, two tenants (`acme`, `globex`), and in each an admin and a read-only principal.
 *
 *   const h = await startJwtDev({ vars: { GIT_MAX_PUSH_BYTES: '1000000' } });
 *   await h.fetch('/admin/api/servers', { headers: h.auth('acme', 'admin') });
 *   await h.stop();
 *
 * Every token minted and every response text is kept, so a suite can search them for secrets.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Reply, recordedFetch } from './recorded-fetch';
import { bearer, createMinter, type Minter, TEST_ISSUER, type TokenRequest } from './tokens';
import { type DevServer, freePort, startDev } from './wrangler';

export type Tenant = 'acme' | 'globex';
export type Role = 'admin' | 'reader' | 'caller';

/** Scopes per role: an admin holds all three, a reader only `mcp:read`, a caller `mcp:read mcp:call`. */
export const ROLE_SCOPES: Record<Role, string> = { admin: 'mcp:read mcp:call admin', reader: 'mcp:read', caller: 'mcp:read mcp:call' };

export interface JwtDev {
  dev: DevServer;
  base: string;
  minter: Minter;
  /** Tokens by tenant and role (sub `${role}@${tenant}`), minted once at start. */
  tokens: Record<Tenant, Record<Role, string>>;
  /** `Authorization: Bearer …` for a tenant's role. */
  auth(tenant: Tenant, role: Role): Record<string, string>;
  /** Basic auth for native git (password = the token). */
  basic(tenant: Tenant, role: Role): Record<string, string>;
  /** Mints another token (kept for the leak search). */
  token(req: TokenRequest): Promise<string>;
  /** fetch against the instance; the reply text is kept for the leak search. */
  fetch(path: string, init?: RequestInit): Promise<Reply>;
  /** The official SDK client (2025-11-25 lane), connected as a tenant's role. */
  client(tenant: Tenant, role: Role): Promise<Client>;
  minted: string[];
  responses: string[];
  stop(): Promise<void>;
}

/** `publicUrl`: set PUBLIC_URL to the instance's own origin (upstream sign-in needs its callback). */
export async function startJwtDev(o: { vars?: Record<string, string>; publicUrl?: boolean } = {}): Promise<JwtDev> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const minter = await createMinter({ alg: 'RS256', audience: `${base}/mcp` });
  const minted: string[] = [];
  const responses: string[] = [];
  const token = async (req: TokenRequest) => {
    const t = await minter.token(req);
    minted.push(t);
    return t;
  };
  const tokens = {} as Record<Tenant, Record<Role, string>>;
  for (const tenant of ['acme', 'globex'] as const) {
    tokens[tenant] = {} as Record<Role, string>;
    for (const role of ['admin', 'reader', 'caller'] as const)
      tokens[tenant][role] = await token({ sub: `${role}@${tenant}`, tenant, scope: ROLE_SCOPES[role], ttlSec: 4 * 3600 });
  }
  const dev = await startDev({
    port,
    vars: {
      AUTH_MODE: 'jwt',
      AUTH_PUBLIC_KEY: minter.keys.publicPem,
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: `${base}/mcp`,
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_FAILURES_PER_MINUTE: '0',
      HEALTH_INTERVAL_SECONDS: '3600',
      ...(o.publicUrl ? { PUBLIC_URL: base } : {}),
      ...o.vars,
    },
  });
  return {
    dev,
    base,
    minter,
    tokens,
    minted,
    responses,
    token,
    auth: (tenant, role) => bearer(tokens[tenant][role]),
    basic: (tenant, role) => ({ authorization: `Basic ${btoa(`x:${tokens[tenant][role]}`)}` }),
    fetch: (path, init = {}) => recordedFetch(responses, `${base}${path}`, init),
    async client(tenant, role) {
      const c = new Client({ name: `attack-${tenant}-${role}`, version: '1' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: bearer(tokens[tenant][role]) } }));
      return c;
    },
    stop: () => dev.stop(),
  };
}
