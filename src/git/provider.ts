/**
 * GitProvider: the built-in git MCP server (`builtin:git`) as the gateway sees it. It owns the
 * catalog and routes each call to the Repo DO of (caller's tenant, repository): the DO name is
 * `${tenant}:${repo}` with the tenant taken from the authenticated principal, never from the
 * arguments, so another tenant's repositories are unreachable by construction.
 */

import type { Catalog, Json, Provider } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import { rpc, toolError } from '../mcp/errors';
import { repoStub } from '../utils/do-stubs';
import { isGitToolError } from './errors';
import { gitLimits } from './limits';
import { isToolName, toolDefs } from './tools/schema';
import { repoName } from './validate';

/** R2 prefix of a tenant's repositories (the tenant is encoded so it can never contain '/'). */
function tenantPrefix(tenant: string): string {
  return `${encodeURIComponent(tenant)}/`;
}

async function listRepos(bucket: R2Bucket, tenant: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: tenantPrefix(tenant), delimiter: '/', cursor });
    for (const p of page.delimitedPrefixes) names.push(p.slice(tenantPrefix(tenant).length, -1));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return names.sort();
}

export class GitProvider implements Provider {
  constructor(
    readonly name: string,
    private readonly env: Env,
  ) {}

  async catalog(): Promise<Catalog> {
    return { tools: toolDefs(), resources: [], templates: [], prompts: [] };
  }

  async callTool(ctx: RequestContext, name: string, args: Json): Promise<Json> {
    if (!isToolName(name)) throw rpc.invalidParams(`Unknown tool: ${name}`);
    const { tenant, sub } = ctx.principal;
    if (name === 'list_repos') {
      const repos = await listRepos(this.env.GIT_OBJECTS, tenant);
      return { content: [{ type: 'text', text: repos.join('\n') }], structuredContent: { repos } };
    }
    let repo: string;
    try {
      repo = repoName(args.repo_path);
    } catch (e) {
      if (isGitToolError(e)) return toolError(e.message);
      throw e;
    }
    // Protection is a boundary between callers: only an admin sets or lifts it (a caller who could
    // lift it could then force-push or delete the branch it protects).
    if (name === 'protect_branch' && !ctx.principal.scopes.includes('admin')) return toolError("git_protect_branch needs the 'admin' scope");
    if (name === 'init' || name === 'clone') {
      const refusal = await this.#repoQuota(tenant, repo);
      if (refusal) return toolError(refusal);
    }
    const actor = { name: sub, email: `${sub}@users.edgehub.local` };
    return (await repoStub(this.env, tenant, repo).call({ tenant, repo, tool: name, args, actor })) as Json;
  }

  /**
   * MAX_REPOS_PER_TENANT, counted on the registry git_list_repos reads (the tenant's R2 prefixes).
   * An existing repository is not a new one. Two concurrent creations may both pass the count (no
   * tenant-wide lock): the limit can be overshot by the number of racing creations.
   */
  async #repoQuota(tenant: string, repo: string): Promise<string | null> {
    const { maxReposPerTenant } = gitLimits(this.env);
    const repos = await listRepos(this.env.GIT_OBJECTS, tenant);
    if (repos.includes(repo) || repos.length < maxReposPerTenant) return null;
    return `Cannot create repository '${repo}': this tenant already holds ${repos.length} repositories, the limit is MAX_REPOS_PER_TENANT (${maxReposPerTenant}); use an existing repository or raise MAX_REPOS_PER_TENANT`;
  }
}
