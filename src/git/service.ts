/**
 * RepoService: everything a Repo DO does, as a plain class (the DO is a shell around it).
 * - `call`: validates the tool call, opens the repository, runs the handler under the
 *   repository's lock (writers exclusive, readers shared) and shapes the MCP result:
 *   one text block + structuredContent, or `isError: true` with a message a person can act on.
 * - `flush`: the alarm that copies write-behind objects to R2.
 * - the smart-HTTP entry points for native git (smart-http.ts).
 */
import { toolError } from '../mcp/errors';
import { log } from '../observability/log';
import { describeError } from './errors';
import { GitLimitError, gitLimits, pushTooLarge, repoFull, UPLOAD_PACK_MAX_BYTES } from './limits';
import { explodePacks, hasPacks } from './packs';
import { Repo, type RepoIdent } from './repo';
import { advertise, ProtocolError, receivePack, refuseReceive, type Service, uploadPack } from './smart-http';
import { HANDLERS } from './tools';
import { isToolName, parseArgs, spec, type ToolName } from './tools/schema';
import type { Actor, Handler, ToolContext } from './tools/types';
import { repoName } from './validate';

export interface RepoCall {
  tenant: string;
  repo: string;
  tool: string;
  args: Record<string, unknown>;
  actor: Actor;
}

export type ToolResult = Record<string, unknown>;

/** A smart-HTTP request for one repository (the route authenticated the tenant). */
export interface SmartRequest {
  tenant: string;
  repo: string;
  service: Service;
  body?: Uint8Array;
  /** Who asks: the DO checks the push scope itself, whatever route or caller reached it. */
  principal: { sub: string; scopes: readonly string[] };
}

const CONTENT_TYPE = {
  advertise: (s: Service) => `application/x-${s}-advertisement`,
  result: (s: Service) => `application/x-${s}-result`,
};
const PUSH_SCOPE = 'mcp:call';
const plain = (body: string, status: number) => new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
const NO_CACHE = { 'cache-control': 'no-cache, max-age=0, must-revalidate', expires: 'Fri, 01 Jan 1980 00:00:00 GMT', pragma: 'no-cache' };

export class RepoService {
  #repo: Repo | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  /** The repository of this DO, opened once; `ident` is checked against the stored identity. */
  open(ident: RepoIdent | null): Repo | null {
    if (this.#repo) {
      if (ident && (ident.tenant !== this.#repo.ident.tenant || ident.repo !== this.#repo.ident.repo)) throw new Error('repository store mismatch');
      return this.#repo;
    }
    this.#repo = Repo.open(this.storage, this.env.GIT_OBJECTS, ident);
    return this.#repo;
  }

  async call(input: RepoCall): Promise<ToolResult> {
    let tool: ToolName | null = null;
    try {
      const name = repoName(input.repo);
      if (!isToolName(input.tool) || input.tool === 'list_repos') return toolError(`Unknown git tool: ${input.tool}`);
      tool = input.tool;
      const args = parseArgs(tool, input.args);
      const s = spec(tool);
      const missing = `Repository '${name}' does not exist (not a git repository): create it with git_init or git_clone, or see git_list_repos`;
      // A call on a repository that was never created must not create storage for it.
      if (s.needsRepo !== false && !this.#repo && Repo.isBlank(this.storage)) return toolError(missing);
      const repo = this.open({ tenant: input.tenant, repo: name })!;
      if (s.needsRepo !== false && !repo.exists()) return toolError(missing);
      if (s.grows) {
        const { maxRepoBytes } = gitLimits(this.env);
        const used = repo.objects.storedBytes();
        if (used >= maxRepoBytes) return toolError(repoFull(name, used, maxRepoBytes));
      }
      const ctx: ToolContext = { repo, name, actor: input.actor, bucket: this.env.GIT_OBJECTS, allowPrivate: this.env.ALLOW_PRIVATE_UPSTREAMS === 'true' };
      const handler = HANDLERS[tool as Exclude<ToolName, 'list_repos'>] as Handler<ToolName>;
      const run = async () => {
        if (s.lock === 'write' && hasPacks(repo)) await explodePacks(repo);
        try {
          return await handler(ctx, args as never);
        } finally {
          // isomorphic-git's cache holds its own parsed index (~15 MB at 20,000 files); our hot
          // paths never use it, so a writer does not leave it behind for the isolate to carry.
          if (s.lock === 'write') repo.resetCache();
        }
      };
      const out = await (s.lock === 'read' ? repo.lock.read(run) : repo.lock.write(run));
      return { content: [{ type: 'text', text: out.text }], structuredContent: out.data };
    } catch (e) {
      const message = describeError(e);
      if (message !== null) return toolError(message);
      log.error('git tool failed', { tenant: input.tenant, repo: input.repo, tool: tool ?? input.tool, error: e });
      return toolError(`Internal error in the git server while running ${tool ?? input.tool} (logged)`);
    }
  }

  /**
   * smart HTTP: `GET info/refs?service=…`, `POST git-upload-pack`, `POST git-receive-pack`. The
   * route already checked scope and body size; both are checked again here, before the repository
   * is opened, so no other path to this DO can push without `mcp:call` or past the limits.
   */
  async smart(req: SmartRequest, kind: 'advertise' | 'pack'): Promise<Response> {
    if (req.service === 'git-receive-pack' && !req.principal?.scopes?.includes(PUSH_SCOPE)) {
      log.warn('git push refused in the repo DO: missing scope', { tenant: req.tenant, repo: req.repo, sub: req.principal?.sub });
      return plain(`pushing needs the '${PUSH_SCOPE}' scope`, 403);
    }
    const limits = gitLimits(this.env);
    const size = req.body?.byteLength ?? 0;
    if (kind === 'pack') {
      const cap = req.service === 'git-upload-pack' ? UPLOAD_PACK_MAX_BYTES : limits.maxPushBytes;
      if (size > cap) {
        if (req.service === 'git-upload-pack') return plain(`fetch request refused: it is larger than ${cap} bytes`, 413);
        const why = pushTooLarge(cap, size);
        const refusal = refuseReceive(req.body!, why);
        return refusal ? new Response(refusal, { headers: { 'content-type': CONTENT_TYPE.result(req.service), ...NO_CACHE } }) : plain(why.message, 413);
      }
    }
    const repo = !this.#repo && Repo.isBlank(this.storage) ? null : this.open({ tenant: req.tenant, repo: req.repo })!;
    if (!repo?.exists()) return plain(`repository '${req.repo}' not found`, 404);
    try {
      if (kind === 'advertise') {
        const body = await repo.lock.read(() => advertise(repo, req.service));
        return new Response(body, { headers: { 'content-type': CONTENT_TYPE.advertise(req.service), ...NO_CACHE } });
      }
      const body =
        req.service === 'git-upload-pack'
          ? await uploadPack(repo, req.body ?? new Uint8Array()) // reads immutable objects only: no lock
          : await repo.lock.write(async () => {
              if (hasPacks(repo)) await explodePacks(repo);
              // `req` is handed over: receivePack drops its body once the pack is stored.
              return receivePack(repo, req, { maxRepoBytes: limits.maxRepoBytes });
            });
      return new Response(body, { headers: { 'content-type': CONTENT_TYPE.result(req.service), ...NO_CACHE } });
    } catch (e) {
      if (e instanceof ProtocolError) return plain(e.message, 400);
      if (e instanceof GitLimitError) return plain(e.message, e.status);
      log.error('git smart-http failed', { tenant: req.tenant, repo: req.repo, service: req.service, kind, error: e });
      return plain('internal error', 500);
    }
  }

  /** Alarm: copy write-behind objects to R2. Throws on failure so the alarm is retried. */
  async flush(): Promise<void> {
    const repo = this.open(null);
    if (repo) await repo.flush();
  }
}
