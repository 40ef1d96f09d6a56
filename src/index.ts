/**
 * Worker entry: builds the Hono app and re-exports the Durable Object classes.
 *
 *   GET  /health           liveness + version
 *   *    /mcp              the MCP endpoint (routes/mcp.ts), both protocol eras; `?mode=full|search|code`
 *   *    /mcp/p/:profile   the same endpoint through a profile's view (runtime/views.ts)
 *   *    /admin/api/*      admin REST API (routes/admin.ts), admin scope
 *   *    /admin[/…]        admin dashboard (routes/dashboard.tsx): own guard chain (cookie login, CSRF, CSP)
 *   GET  /.well-known/oauth-protected-resource[/mcp]  RFC 9728 metadata (routes/well-known.ts)
 *   *    /authorize, /token, /register, /oauth/*  sign-in for MCP clients, AUTH_MODE=oauth only (routes/oauth.tsx)
 *   GET  /.well-known/oauth-authorization-server  RFC 8414 metadata (oauth mode)
 *   *    /oauth/upstream/*, /oauth/client.json  upstream sign-in, every mode (routes/upstream-oauth.tsx)
 *   *    /git/:repo/…      git smart HTTP for native git clone/fetch/push (routes/git.ts)
 *   *    /connections[/:server]  the caller's upstream sign-ins: list, connect link, revoke (routes/connections.ts)
 *   GET  /connect/:name    WebSocket of `edgehub connect` (routes/connect.ts), connector or admin scope
 * Auth (middleware/auth.ts) guards /mcp, /admin/* and /git/*, then a per-principal rate limit.
 */

import { Hono } from 'hono';
import { ErrorCode } from './mcp/protocol';
import { SERVER_VERSION } from './mcp/server-info';
import { type AuthVars, authenticate } from './middleware/auth';
import { listVar, mcpCors, originGuard } from './middleware/origin';
import { rateLimit } from './middleware/rate-limit';
import { type RequestIdVars, requestId } from './middleware/request-id';
import { requireScope } from './middleware/scope';
import { log } from './observability/log';
import { adminApi } from './routes/admin';
import { connectRoutes } from './routes/connect';
import { connectionsApi } from './routes/connections';
import { dashboard } from './routes/dashboard';
import { gitRoutes } from './routes/git';
import { mcpRoutes } from './routes/mcp';
import { oauthRoutes } from './routes/oauth';
import { upstreamOAuthRoutes } from './routes/upstream-oauth';
import { wellKnown } from './routes/well-known';

export { ConfigDO } from './durable-objects/config';
export { ConnectorDO } from './durable-objects/connector';
export { RepoDO } from './durable-objects/repo';
export { SessionDO } from './durable-objects/session';
export { VaultDO } from './durable-objects/vault';

const app = new Hono<{ Bindings: Env; Variables: AuthVars & RequestIdVars }>();
app.use('*', requestId());
const originRules = (env: Env) => ({
  devOpen: env.AUTH_MODE === 'dev-open',
  allowedOrigins: listVar(env.ALLOWED_ORIGINS),
  allowedHosts: listVar(env.ALLOWED_HOSTS),
});
const guard = originGuard(originRules);

app.get('/health', (c) => c.json({ status: 'ok', version: SERVER_VERSION }));
app.route('/.well-known', wellKnown);
// Before oauthRoutes (whose /oauth/* exist only in oauth mode): upstream sign-in works in every mode.
app.route('/', upstreamOAuthRoutes);
app.route('/', oauthRoutes);

const mcpGuards = [mcpCors(originRules), guard, authenticate({ scope: 'mcp:read', jsonRpc: true }), rateLimit({ jsonRpc: true })] as const;
app.use('/mcp', ...mcpGuards);
app.route('/mcp', mcpRoutes);
// A profile's view of the same endpoint (README "Tool search, code mode and profiles").
app.use('/mcp/p/:profile', ...mcpGuards);
app.route('/mcp/p/:profile', mcpRoutes);

// Before the /admin/* chain: the dashboard's pages run their own guards (login page is public).
app.route('/admin', dashboard);
app.use('/admin/*', guard, authenticate({ scope: 'admin' }), rateLimit());
app.use('/admin/api/*', requireScope('admin'));
app.route('/admin/api', adminApi);

// git smart-HTTP, Basic (password = token) for git clients: every request needs mcp:read here; the
// push routes add mcp:call themselves (routes/git.ts), on the path as routed, never the raw URL.
app.use('/git/*', guard, authenticate({ scope: 'mcp:read', basic: true }), rateLimit());
app.route('/git', gitRoutes);

// Upstream sign-ins of the caller (routes/connections.ts): each principal its own.
app.use('/connections', guard, authenticate({ scope: 'mcp:read' }), rateLimit());
app.use('/connections/*', guard, authenticate({ scope: 'mcp:read' }), rateLimit());
app.route('/connections', connectionsApi);

// A connector is a machine, not a browser: no Origin to check; its scope is checked by the route.
app.use('/connect/*', authenticate(), rateLimit());
app.route('/connect', connectRoutes);

app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

app.onError((err, c) => {
  log.error('unhandled error', { requestId: c.get('requestId'), method: c.req.method, path: new URL(c.req.url).pathname, error: err });
  return c.json({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.InternalError, message: 'Internal error' } }, 500);
});

export default app;
