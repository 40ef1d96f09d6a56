/**
 * git smart HTTP (gitprotocol-http(5)) for native git clients, mounted at /git:
 *
 *   GET  /git/:repo/info/refs?service=git-upload-pack|git-receive-pack   ref advertisement
 *   POST /git/:repo/git-upload-pack                                      clone / fetch
 *   POST /git/:repo/git-receive-pack                                     push
 *
 * `:repo` is a repository name as in the git tools (`demo`, or `demo.git`). The tenant comes
 * from the authenticated principal only (the DO is `${tenant}:${repo}`); authentication and
 * scopes are applied by the middleware in front of this sub-app. The protocol itself runs in
 * the Repo DO (src/git/smart-http.ts); this file only maps HTTP onto it.
 */
import { Hono } from 'hono';
import type { AuthVars } from '../middleware/auth';
import { repoStub } from '../git/provider';
import type { Service } from '../git/smart-http';
import { isGitToolError } from '../git/errors';
import { repoName } from '../git/validate';

export const gitRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>();

const SERVICES = new Set<Service>(['git-upload-pack', 'git-receive-pack']);
const text = (body: string, status: number) => new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

function repoParam(raw: string): string | Response {
  try {
    return repoName(raw.replace(/\.git$/, ''));
  } catch (e) {
    if (isGitToolError(e)) return text(e.message, 404);
    throw e;
  }
}

gitRoutes.get('/:repo/info/refs', async (c) => {
  const service = c.req.query('service') as Service | undefined;
  // Dumb HTTP (no ?service=) is not offered: every git since 1.6.6 speaks smart HTTP.
  if (!service || !SERVICES.has(service)) return text('only smart HTTP is supported: use git >= 1.6.6', 403);
  const repo = repoParam(c.req.param('repo'));
  if (repo instanceof Response) return repo;
  const { tenant } = c.get('principal');
  return repoStub(c.env, tenant, repo).smart({ tenant, repo, service }, 'advertise');
});

for (const service of SERVICES) {
  gitRoutes.post(`/:repo/${service}`, async (c) => {
    const repo = repoParam(c.req.param('repo'));
    if (repo instanceof Response) return repo;
    if (c.req.header('content-type') !== `application/x-${service}-request`) return text(`expected content-type application/x-${service}-request`, 415);
    let stream = c.req.raw.body ?? new Blob([]).stream();
    if (c.req.header('content-encoding') === 'gzip') stream = stream.pipeThrough(new DecompressionStream('gzip'));
    const body = new Uint8Array(await new Response(stream).arrayBuffer());
    const { tenant } = c.get('principal');
    return repoStub(c.env, tenant, repo).smart({ tenant, repo, service, body }, 'pack');
  });
}
