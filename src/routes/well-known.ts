/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, at the root form
 * `/.well-known/oauth-protected-resource` and the path form `…/oauth-protected-resource/mcp`
 * (MCP authorization: clients try the path form first). Public, cacheable, CORS-readable: it holds
 * no secret, only where to get a token and which scopes exist.
 */
import { Hono } from 'hono';
import { SCOPES } from '../auth/scopes';
import { type AuthEnv, readAuthSettings } from '../auth/settings';

export const wellKnown = new Hono<{ Bindings: Env }>();

function metadata(env: Env, url: string) {
  const s = readAuthSettings(env as Env & AuthEnv, url);
  return {
    resource: s.resource,
    authorization_servers: s.authorizationServers,
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'edgehub',
  };
}

const headers = { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=300' };

wellKnown.get('/oauth-protected-resource', (c) => c.json(metadata(c.env, c.req.url), 200, headers));
wellKnown.get('/oauth-protected-resource/mcp', (c) => c.json(metadata(c.env, c.req.url), 200, headers));
