/**
 * Worker entry: builds the Hono app and re-exports the Durable Object classes.
 *
 *   GET  /health           liveness + version
 *   *    /mcp              the MCP endpoint (routes/mcp.ts), both protocol eras
 *   *    /admin/api/*      admin REST API (routes/admin.ts), admin scope
 */
import { Hono } from 'hono';
import { authenticate, type AuthVars } from './middleware/auth';
import { listVar, originGuard } from './middleware/origin';
import { SERVER_VERSION } from './mcp/server-info';
import { mcpRoutes } from './routes/mcp';
import { adminApi } from './routes/admin';
import { requireScope } from './middleware/scope';
import { log } from './observability/log';

export { SessionDO } from './durable-objects/session';
export { ConfigDO } from './durable-objects/config';
export { RepoDO } from './durable-objects/repo';

const app = new Hono<{ Bindings: Env; Variables: AuthVars }>();

app.get('/health', (c) => c.json({ status: 'ok', version: SERVER_VERSION }));

app.use(
  '/mcp',
  originGuard((env) => ({
    devOpen: env.AUTH_MODE === 'dev-open',
    allowedOrigins: listVar(env.ALLOWED_ORIGINS),
    allowedHosts: listVar(env.ALLOWED_HOSTS),
  })),
  authenticate(),
);
app.route('/mcp', mcpRoutes);

app.use(
  '/admin/*',
  originGuard((env) => ({
    devOpen: env.AUTH_MODE === 'dev-open',
    allowedOrigins: listVar(env.ALLOWED_ORIGINS),
    allowedHosts: listVar(env.ALLOWED_HOSTS),
  })),
  authenticate(),
);
app.use('/admin/api/*', requireScope('admin'));
app.route('/admin/api', adminApi);

app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

app.onError((err, c) => {
  log.error('unhandled error', { method: c.req.method, path: new URL(c.req.url).pathname, error: err });
  return c.json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }, 500);
});

export default app;
