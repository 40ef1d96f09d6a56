/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, at the root form
 * `/.well-known/oauth-protected-resource` and the path form `…/oauth-protected-resource/mcp`
 * (MCP authorization: clients try the path form first). Public, cacheable, CORS-readable: it holds
 * no secret, only where to get a token and which scopes exist.
 */
import { Hono } from 'hono';
import { SCOPES } from '../auth/scopes';
import { type AuthEnv, readAuthSettings } from '../auth/settings';
import { authorizationServer, mcpResource } from '../oauth/server';
import { type OAuthEnv, readOAuthSettings } from '../oauth/settings';

export const wellKnown = new Hono<{ Bindings: Env }>();

function metadata(env: Env, url: string, path = '') {
  const s = readAuthSettings(env as Env & AuthEnv, url);
  // oauth mode: the path form names the resource of that path (RFC 9728 §3.3), both are edgehub's.
  const resource = s.mode === 'oauth' && path === '/mcp' ? mcpResource({ publicUrl: s.resource }) : s.resource;
  return {
    resource,
    authorization_servers: s.authorizationServers,
    // oauth mode: the baseline a client should ask for (MCP: "the minimal set for basic functionality");
    // edgehub's own AS metadata lists every scope it can grant.
    scopes_supported: s.mode === 'oauth' ? ['mcp:read', 'mcp:call'] : [...SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'edgehub',
  };
}

const headers = { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=300' };

wellKnown.get('/oauth-protected-resource', (c) => c.json(metadata(c.env, c.req.url), 200, headers));
wellKnown.get('/oauth-protected-resource/mcp', (c) => c.json(metadata(c.env, c.req.url, '/mcp'), 200, headers));

// RFC 8414 metadata of edgehub's own authorization server (AUTH_MODE=oauth; served by the library).
wellKnown.get('/oauth-authorization-server', async (c) => {
  const env = c.env as Env & OAuthEnv;
  if (env.AUTH_MODE !== 'oauth') return c.json({ error: 'not_found', message: 'edgehub is its own authorization server only with AUTH_MODE=oauth' }, 404);
  const s = readOAuthSettings(env);
  if (s.problems.length) return c.json({ error: 'server_error', message: `sign-in is not configured: ${s.problems.join('; ')}` }, 503);
  const res = await authorizationServer(s).fetch(c.req.raw, env, c.executionCtx as ExecutionContext);
  if (!res.ok) return res;
  // edgehub resolves Client ID Metadata Documents itself (oauth/cimd.ts), so it says so here.
  const meta = (await res.json()) as Record<string, unknown>;
  return c.json({ ...meta, client_id_metadata_document_supported: true }, 200, Object.fromEntries(res.headers));
});
