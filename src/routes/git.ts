/**
 * git smart HTTP (gitprotocol-http(5)) for native git clients, mounted at /git:
 *
 *   GET  /git/:repo/info/refs?service=git-upload-pack    ref advertisement (clone / fetch)   mcp:read
 *   GET  /git/:repo/info/refs?service=git-receive-pack   ref advertisement (push)            mcp:call
 *   POST /git/:repo/git-upload-pack                      clone / fetch                       mcp:read
 *   POST /git/:repo/git-receive-pack                     push                                mcp:call
 *
 * `:repo` is a repository name as in the git tools (`demo`, or `demo.git`). The tenant comes
 * from the authenticated principal only (the DO is `${tenant}:${repo}`). The middleware in front
 * authenticates with `mcp:read`; each route here states the scope of what it serves, on the
 * request as routed (decoded), so no spelling of a path can reach push with a read scope. The
 * Repo DO checks the push scope once more. Bodies are read with a cap counted after gzip
 * inflation (request-body.ts). The protocol itself runs in the Repo DO (src/git/smart-http.ts).
 */
import { Hono } from 'hono';
import { isGitToolError } from '../git/errors';
import { gitLimits, pushTooLarge, UPLOAD_PACK_MAX_BYTES } from '../git/limits';
import { readCapped } from '../git/request-body';
import type { Service } from '../git/smart-http';
import { refuseReceive } from '../git/smart-http';
import { repoName } from '../git/validate';
import type { AuthVars } from '../middleware/auth';
import { requireScope } from '../middleware/scope';
import { repoStub } from '../utils/do-stubs';

export const gitRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>();

const SERVICES = new Set<Service>(['git-upload-pack', 'git-receive-pack']);
/** The scope each service needs: pushing is a call, cloning and fetching are reads. */
const SERVICE_SCOPE: Record<Service, 'mcp:read' | 'mcp:call'> = { 'git-upload-pack': 'mcp:read', 'git-receive-pack': 'mcp:call' };
const text = (body: string, status: number) => new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

function repoParam(raw: string): string | Response {
  try {
    return repoName(raw.replace(/\.git$/, ''));
  } catch (e) {
    if (isGitToolError(e)) return text(e.message, 404);
    throw e;
  }
}

const principalOf = (c: { get(k: 'principal'): AuthVars['principal'] }) => {
  const { sub, scopes } = c.get('principal');
  return { sub, scopes: [...scopes] };
};

const advertisedService = (q: string | undefined): Service | null => (q && SERVICES.has(q as Service) ? (q as Service) : null);

gitRoutes.get(
  '/:repo/info/refs',
  // The scope follows the service this route will actually advertise (the same parsed query).
  (c, next) => {
    const service = advertisedService(c.req.query('service'));
    // Dumb HTTP (no ?service=) is not offered: every git since 1.6.6 speaks smart HTTP.
    if (!service) return text('only smart HTTP is supported: use git >= 1.6.6', 403);
    return requireScope(SERVICE_SCOPE[service])(c, next);
  },
  async (c) => {
    const service = advertisedService(c.req.query('service'))!;
    const repo = repoParam(c.req.param('repo'));
    if (repo instanceof Response) return repo;
    const { tenant } = c.get('principal');
    return repoStub(c.env, tenant, repo).smart({ tenant, repo, service, principal: principalOf(c) }, 'advertise');
  },
);

for (const service of SERVICES) {
  gitRoutes.post(`/:repo/${service}`, requireScope(SERVICE_SCOPE[service]), async (c) => {
    const repo = repoParam(c.req.param('repo'));
    if (repo instanceof Response) return repo;
    if (c.req.header('content-type') !== `application/x-${service}-request`) return text(`expected content-type application/x-${service}-request`, 415);
    const cap = service === 'git-upload-pack' ? UPLOAD_PACK_MAX_BYTES : gitLimits(c.env).maxPushBytes;
    let read: Awaited<ReturnType<typeof readCapped>> | null = await readCapped(c.req.raw, cap, service === 'git-receive-pack');
    if (!read.ok) {
      if (read.reason === 'bad-encoding') return text('the request body could not be decoded: send it uncompressed or as valid gzip', 400);
      if (service === 'git-upload-pack') return text(`fetch request refused: it is larger than ${cap} bytes (after gzip inflation)`, 413);
      // A push whose command list arrived gets git's own report (readCapped drained the body first,
      // so git reads it): 200, as receive-pack answers every refused push.
      const why = pushTooLarge(cap, read.size, read.whole);
      const refusal = refuseReceive(read.head, why);
      if (refusal) return new Response(refusal, { headers: { 'content-type': `application/x-${service}-result`, 'cache-control': 'no-cache' } });
      return text(why.message, 413);
    }
    const { tenant } = c.get('principal');
    const reply = repoStub(c.env, tenant, repo).smart({ tenant, repo, service, body: read.body, principal: principalOf(c) }, 'pack');
    // The call has copied the body to the DO: this isolate need not hold a second copy meanwhile.
    read = null;
    return reply;
  });
}
