/**
 * An OAuth-protected MCP upstream for tests, both halves real and on loopback:
 * - the authorization server: `oidc-provider` (certified, Node) with dynamic registration, resource
 *   indicators (RFC 8707) issuing JWT access tokens whose audience is the upstream's URL, refresh
 *   tokens, revocation, `iss` in authorization responses (RFC 9207), and its development login and
 *   consent forms (any login name; the account id is the name typed);
 * - the resource: an official-SDK MCP server that requires those tokens (jose against the server's
 *   JWKS: issuer, audience, expiry), answers 401 with `WWW-Authenticate: Bearer resource_metadata=…`
 *   (RFC 9728 metadata served next to it) and has a `whoami` tool answering the token's subject.
 *
 * Test levers: `revokeAccount(sub)` (the server forgets that account's grants; the upstream refuses
 * its tokens issued before), `rejectNext(sub)` (one 401, as for a token the upstream stopped
 * honouring), `stopAs()/startAs()` (the authorization server down), counters per endpoint, and
 * every Authorization header the upstream saw.
 */
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import Provider from 'oidc-provider';

// Local (not ./wrangler's): the bench imports this file with Node's type stripping, which needs extensions.
function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export interface OAuthUpstream {
  url: string;
  issuer: string;
  counts: Record<string, number>;
  /** Authorization headers the MCP upstream received (to check who sent what). */
  seenAuth: string[];
  revokeAccount(sub: string): void;
  rejectNext(sub: string): void;
  stopAs(): Promise<void>;
  startAs(): Promise<void>;
  close(): Promise<void>;
}

type Payload = Record<string, unknown> & { accountId?: string; grantId?: string; uid?: string; userCode?: string };
/** oidc-provider's adapter contract over one Map per fixture (its memory adapter, plus revocation by account). */
class MapAdapter {
  name: string;
  store: Map<string, Payload>;
  constructor(name: string, store: Map<string, Payload>) {
    this.name = name;
    this.store = store;
  }
  key(id: string) {
    return `${this.name}:${id}`;
  }
  async upsert(id: string, payload: Payload) {
    this.store.set(this.key(id), payload);
  }
  async find(id: string) {
    return this.store.get(this.key(id));
  }
  async findByUid(uid: string) {
    for (const [k, v] of this.store) if (k.startsWith(`${this.name}:`) && v.uid === uid) return v;
    return undefined;
  }
  async findByUserCode(code: string) {
    for (const [k, v] of this.store) if (k.startsWith(`${this.name}:`) && v.userCode === code) return v;
    return undefined;
  }
  async consume(id: string) {
    const v = this.store.get(this.key(id));
    if (v) v.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    this.store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const [k, v] of this.store) if (v.grantId === grantId) this.store.delete(k);
  }
}

/**
 * `shortLived`: accounts whose access tokens last 30 s (inside edgehub's refresh-ahead window).
 * `client`: a pre-registered confidential client instead of dynamic registration (which is then off).
 */
export async function startOAuthUpstream(
  opts: { shortLived?: string[]; client?: { id: string; secret: string; redirectUri: string } } = {},
): Promise<OAuthUpstream> {
  const [asPort, mcpPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${asPort}`;
  const url = `http://127.0.0.1:${mcpPort}/mcp`;
  const counts: Record<string, number> = {};
  const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const revokedAt = new Map<string, number>();
  const reject = new Set<string>();
  const seenAuth: string[] = [];
  const store = new Map<string, Payload>();
  const Adapter = class extends MapAdapter {
    constructor(name: string) {
      super(name, store);
    }
  };

  const provider = new Provider(issuer, {
    adapter: Adapter as never,
    ...(opts.client
      ? {
          clients: [
            {
              client_id: opts.client.id,
              client_secret: opts.client.secret,
              redirect_uris: [opts.client.redirectUri],
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
              token_endpoint_auth_method: 'client_secret_basic',
            },
          ],
        }
      : {}),
    scopes: ['whoami', 'offline_access'],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: !opts.client },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => url,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== url) throw new Error(`unknown resource ${resource}`);
          return { scope: 'whoami', audience: url, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    ttl: {
      AccessToken: (_ctx: unknown, token: { accountId?: unknown }) => (opts.shortLived?.includes(String(token.accountId)) ? 30 : 3600),
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 86400,
      AuthorizationCode: 60,
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['upstream-as-cookie-key-0123456789'] },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  });
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (ctx.status >= 400) return;
    if (ctx.path === '/token') bump(`token:${(ctx.oidc?.params?.grant_type as string) ?? '?'}`);
    else if (ctx.path === '/reg') bump('register');
    else if (ctx.path === '/token/revocation') bump('revoke');
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => console.error('upstream AS error', err));
  const callback = provider.callback();
  let asServer: Server | undefined;
  const startAs = () =>
    new Promise<void>((res, rej) => {
      asServer = createServer(callback);
      asServer.once('error', rej);
      asServer.listen(asPort, '127.0.0.1', () => res());
    });
  const stopAs = () =>
    new Promise<void>((res) => {
      if (!asServer) return res();
      asServer.closeAllConnections();
      asServer.close(() => res());
      asServer = undefined;
    });
  await startAs();

  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const metadataPath = '/.well-known/oauth-protected-resource/mcp';
  const challenge = `Bearer resource_metadata="http://127.0.0.1:${mcpPort}${metadataPath}"`;
  const mcp = createServer(async (req, res) => {
    if (req.url === metadataPath) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ resource: url, authorization_servers: [issuer], scopes_supported: ['whoami'], bearer_methods_supported: ['header'] }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    seenAuth.push(auth);
    let sub: string;
    try {
      const { payload } = await jwtVerify(auth.replace(/^Bearer /, ''), jwks, { issuer, audience: url });
      sub = String(payload.sub);
      const cut = revokedAt.get(sub);
      if (cut !== undefined && (payload.iat ?? 0) * 1000 <= cut) throw new Error('revoked');
      if (reject.delete(sub)) throw new Error('rejected once');
    } catch {
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const server = new McpServer({ name: 'oauth-upstream', version: '1.0.0' });
    server.registerTool('whoami', { description: "answers the access token's subject", annotations: { readOnlyHint: true } }, async () => ({
      content: [{ type: 'text', text: sub }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((r) => mcp.listen(mcpPort, '127.0.0.1', () => r()));

  return {
    url,
    issuer,
    counts,
    seenAuth,
    revokeAccount(sub) {
      // Tokens are issued with a whole-second iat: anything from this second on stays valid.
      revokedAt.set(sub, Math.floor(Date.now() / 1000) * 1000 - 1);
      for (const [k, v] of store) if (v.accountId === sub) store.delete(k);
    },
    rejectNext(sub) {
      reject.add(sub);
    },
    stopAs,
    startAs,
    async close() {
      await stopAs();
      mcp.closeAllConnections();
      await new Promise<void>((r) => mcp.close(() => r()));
    },
  };
}
