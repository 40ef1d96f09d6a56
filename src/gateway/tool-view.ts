/**
 * The `search` and `code` modes: a Backend over the full (or profile) view whose `tools/list`
 * holds just the meta tools, so a model's context carries two tool definitions instead of hundreds.
 *
 *   search: {hub}_search_tools {query, limit?, server?} and {hub}_call_tool {name, arguments}
 *   code:   {hub}_search_tools (results also carry TypeScript declarations) and
 *           {hub}_code_execute {code} (runtime/code-executor.ts runs it in a Dynamic Worker)
 *
 * Invariants:
 * - The index is built from exactly the list the inner view returns for this request's principal
 *   (all pages), so list filters (scopes, policy, profiles) apply to search too; one index per
 *   distinct list is kept (at most INDEXES_KEPT), and a view lives as long as its config version.
 * - `call_tool`, code-mode calls and direct `tools/call`s of listed-elsewhere names all go to the
 *   inner view's own `callTool`: the same scopes, breaker, audit and result as a direct call; a
 *   protocol error (unknown tool, missing scope) is thrown as the direct call throws it.
 */
import type { RequestContext } from '../mcp/context';
import type { Backend } from '../mcp/dispatch';
import { rpc, toolError } from '../mcp/errors';
import { Lru } from '../utils/lru';
import { paginate } from './paging';
import { fingerprint, listAll, serverName, type ToolSource, ToolsOnlyView } from './profile-view';
import type { Json } from './provider';
import { type SearchableTool, ToolIndex } from './tool-search';
import { declaration, methodName, TOOL_RESULT_DECL } from './ts-decl';

type Args = Record<string, unknown>;
export type ToolMode = 'search' | 'code';

export const MAX_SEARCH_LIMIT = 20;
const DEFAULT_SEARCH_LIMIT = 5;
const INDEXES_KEPT = 8;

/** Calls tools through the inner view for one request (code mode hands this to the sandbox). */
export type ToolCaller = (name: string, args: Args) => Promise<Json>;

export type CodeOutcome = { ok: true; result: unknown; logs: string[]; calls: number } | { ok: false; error: string; logs: string[]; calls: number };

/** Runs `code` with `call` as its only capability (runtime/code-executor.ts). */
export type CodeExecutor = (code: string, call: ToolCaller, signal: AbortSignal) => Promise<CodeOutcome>;

export interface ModeDeps {
  /** `{self_prefix}{prefix_sep}`: the meta tools are `${own}search_tools` etc. */
  own: string;
  /** A server's config `notes` (searched with its tools). */
  notes(server: string): string | undefined;
  /** Code mode's sandbox; absent when the deployment has no Worker Loader binding. */
  execute?: CodeExecutor;
}

const obj = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', properties, required, additionalProperties: false });
const RO = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const OPEN = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

function metaTools(mode: ToolMode, own: string): Json[] {
  const search = {
    name: `${own}search_tools`,
    description: `Find tools for a task. Describe the intent in plain words; returns the best-matching tools with name, server, description and inputSchema${mode === 'code' ? ' and a TypeScript declaration' : ''}.`,
    inputSchema: obj(
      {
        query: { type: 'string', description: 'What you want to do, e.g. "commit the staged changes".' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT },
        server: { type: 'string', description: 'Only tools of this server.' },
      },
      ['query'],
    ),
    annotations: RO,
  };
  if (mode === 'search')
    return [
      search,
      {
        name: `${own}call_tool`,
        description: `Call a tool found with ${own}search_tools by its name with its arguments.`,
        inputSchema: obj({ name: { type: 'string' }, arguments: { type: 'object' } }, ['name']),
        annotations: OPEN,
      },
    ];
  return [
    search,
    {
      name: `${own}code_execute`,
      description:
        'Run JavaScript: `code` is the body of an async function given `tools`; `await tools.call(name, args)` or `await tools.<name>(args)` call tools found with search (each resolves to a CallToolResult). Return a JSON value. No network; 30 s, 100 calls, 1 MiB result; console output comes back as logs.',
      inputSchema: obj(
        {
          code: {
            type: 'string',
            description: 'Body of an async function, e.g. `const s = await tools.git_status({repo_path: "demo"}); return s.content[0].text;`',
          },
        },
        ['code'],
      ),
      annotations: OPEN,
    },
  ];
}

const result = (structured: Json, isError = false) => ({
  content: [{ type: 'text', text: JSON.stringify(structured) }],
  structuredContent: structured,
  ...(isError ? { isError: true } : {}),
});

export class ModeView extends ToolsOnlyView implements Backend {
  readonly #meta: Json[];
  readonly #indexes = new Lru<string, ToolIndex>({ maxEntries: INDEXES_KEPT });

  constructor(
    inner: ToolSource,
    readonly mode: ToolMode,
    private readonly deps: ModeDeps,
  ) {
    super(inner);
    this.#meta = metaTools(mode, deps.own);
  }

  /** The index of this request's list (built on first use of that list, then kept). */
  async index(ctx: RequestContext): Promise<ToolIndex> {
    const all = await listAll(this.inner, ctx);
    const key = fingerprint(all);
    let index = this.#indexes.get(key);
    if (!index) {
      const tools: SearchableTool[] = [];
      for (const t of all) {
        const server = serverName(await this.inner.toolServer(String(t.name)));
        tools.push({ name: String(t.name), server, tool: t, serverNotes: this.deps.notes(server) });
      }
      index = new ToolIndex(tools);
      this.#indexes.set(key, index);
    }
    return index;
  }

  async listTools(_ctx: RequestContext, cursor?: string) {
    return paginate('tools', this.#meta, cursor, this.configVersion);
  }

  async callTool(ctx: RequestContext, name: string, args: Args): Promise<Json> {
    const own = this.deps.own;
    if (name === `${own}search_tools`) return this.#search(ctx, args);
    if (this.mode === 'search' && name === `${own}call_tool`) {
      if (typeof args.name !== 'string' || !args.name) throw rpc.invalidParams('name: the tool to call is required (a name from search_tools)');
      const a = args.arguments ?? {};
      if (typeof a !== 'object' || a === null || Array.isArray(a)) throw rpc.invalidParams('arguments must be an object');
      return this.inner.callTool(innerCtx(ctx, args.name, a as Args), args.name, a as Args);
    }
    if (this.mode === 'code' && name === `${own}code_execute`) return this.#execute(ctx, args);
    // Tools not on this mode's list stay callable by name: the list is shorter, not the rights.
    return this.inner.callTool(ctx, name, args);
  }

  async #search(ctx: RequestContext, args: Args): Promise<Json> {
    if (typeof args.query !== 'string' || !args.query.trim()) return toolError('query is required: describe what you want to do in a few words');
    const limit = args.limit === undefined ? DEFAULT_SEARCH_LIMIT : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) return toolError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
    const server = typeof args.server === 'string' && args.server ? args.server : undefined;
    const hits = (await this.index(ctx)).search(args.query.slice(0, 1000), limit, server);
    const tools = hits.map((h) => ({
      name: h.name,
      server: h.server,
      ...(typeof h.tool.title === 'string' ? { title: h.tool.title } : {}),
      description: h.tool.description ?? '',
      inputSchema: h.tool.inputSchema ?? { type: 'object' },
      ...(this.mode === 'code' ? { declaration: declaration(methodName(h.name), h.tool) } : {}),
    }));
    return result(this.mode === 'code' ? { tools, types: TOOL_RESULT_DECL } : { tools });
  }

  async #execute(ctx: RequestContext, args: Args): Promise<Json> {
    if (typeof args.code !== 'string' || !args.code.trim()) return toolError('code is required: the body of an async function that uses `tools`');
    if (!this.deps.execute)
      return toolError('code mode is not available here: the deployment has no Worker Loader binding (wrangler.toml [[worker_loaders]] binding = "LOADER")');
    const index = await this.index(ctx);
    const call: ToolCaller = (name, a) => {
      const target = index.resolve(name);
      return this.inner.callTool(innerCtx(ctx, target, a), target, a);
    };
    const out = await this.deps.execute(args.code, call, ctx.signal);
    return out.ok
      ? result({ result: out.result as Json, logs: out.logs, calls: out.calls })
      : result({ error: out.error, logs: out.logs, calls: out.calls }, true);
  }
}

/** The context of a call made on behalf of a meta tool: params as a direct call would carry them. */
function innerCtx(ctx: RequestContext, name: string, args: Args): RequestContext {
  const meta = ctx.params?._meta;
  return { ...ctx, params: { ...(meta !== undefined ? { _meta: meta } : {}), name, arguments: args } };
}
