/**
 * Tool search: a BM25 index (minisearch) over one tool list, for the `search` and `code` modes
 * (gateway/tool-view.ts).
 *
 * Fields and weights: the exposed name (split into words: `git_diff_staged` → git diff staged) and
 * the title weigh most, then the description, then parameter names and descriptions, then the
 * server's name and config `notes`. Terms are lower-cased, reduced by a small suffix stemmer
 * (staged/staging → stage) and common stop words of requests ("show me the…") are dropped; a
 * query also tries prefix and one-edit fuzzy matches, so "branches" finds `git_branch`.
 *
 * Invariant: an index is built from exactly the list it is given (the principal's, after the
 * profile view) and never changes; the caller keeps one per list (built once per config version).
 * Intent synonyms (delete ↔ remove, …, intent-words.ts) are expanded at query time and count less
 * than the words the user wrote.
 */
import MiniSearch from 'minisearch';
import { STOP, stem, synonyms } from './intent-words';
import type { Json } from './provider';
import { methodName } from './ts-decl';

export interface SearchableTool {
  /** The exposed name (after profile aliases). */
  name: string;
  server: string;
  tool: Json;
  serverNotes?: string;
}

export interface SearchHit {
  name: string;
  server: string;
  score: number;
  tool: Json;
}

interface Doc {
  id: number;
  name: string;
  title: string;
  description: string;
  params: string;
  server: string;
}

/** Words of an identifier or text: splits on non-alphanumerics and camelCase. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const tokenize = (text: string) => words(text);
const processTerm = (term: string) => (STOP.has(term) ? null : stem(term));

function paramText(schema: unknown, depth = 0): string {
  if (!schema || typeof schema !== 'object' || depth > 2) return '';
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  if (!props || typeof props !== 'object') return '';
  const out: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    out.push(k);
    if (v && typeof v === 'object') {
      const d = (v as { description?: unknown }).description;
      if (typeof d === 'string') out.push(d.slice(0, 300));
      out.push(paramText(v, depth + 1));
    }
  }
  return out.join(' ');
}

const SYNONYM_WEIGHT = 0.6;
const FILE_NAME_RE = /[\w-]\.(json|md|txt|ts|tsx|js|mjs|py|go|rs|java|rb|ya?ml|toml|html|css|csv|lock|sh)\b/i;
const FIELDS = ['name', 'title', 'description', 'params', 'server'];
const BOOST = { name: 3, title: 2, description: 1, params: 0.6, server: 0.5 };

export class ToolIndex {
  readonly #search: MiniSearch<Doc>;
  readonly #tools: SearchableTool[];
  #byMethod: Map<string, string> | null = null;

  constructor(tools: SearchableTool[]) {
    this.#tools = tools;
    this.#search = new MiniSearch<Doc>({ fields: FIELDS, tokenize, processTerm, searchOptions: { boost: BOOST } });
    this.#search.addAll(
      tools.map((t, id) => ({
        id,
        name: t.name,
        title: typeof t.tool.title === 'string' ? t.tool.title : '',
        description: typeof t.tool.description === 'string' ? t.tool.description.slice(0, 2000) : '',
        params: paramText(t.tool.inputSchema),
        server: `${t.server} ${t.serverNotes ?? ''}`,
      })),
    );
  }

  get size(): number {
    return this.#tools.length;
  }

  /** A listed name as is, or the listed tool whose `tools.<method>` name this is (code mode). */
  resolve(name: string): string {
    if (!this.#byMethod) {
      this.#byMethod = new Map();
      for (const t of this.#tools) this.#byMethod.set(methodName(t.name), t.name);
      for (const t of this.#tools) this.#byMethod.set(t.name, t.name);
    }
    return this.#byMethod.get(name) ?? name;
  }

  /** The best `limit` tools for `query`, optionally only those of `server`. */
  search(query: string, limit: number, server?: string): SearchHit[] {
    const terms: string[] = [];
    for (const w of words(query)) {
      // Numbers in a request (ids, counts, versions) name data, not tools.
      if (STOP.has(w) || /^\d+$/.test(w)) continue;
      terms.push(w);
      for (const s of synonyms(w)) terms.push(s);
    }
    // A file name in a request ("open package.json") is about files.
    if (FILE_NAME_RE.test(query)) terms.push('file');
    if (!terms.length) return [];
    const filter = server === undefined ? undefined : (r: { id: number }) => this.#tools[r.id].server === server;
    // A synonym counts less than a word the user wrote.
    const own = new Set(words(query).map((w) => processTerm(w)));
    const results = this.#search.search(terms.join(' '), {
      combineWith: 'OR',
      boostTerm: (t) => (own.has(t) ? 1 : SYNONYM_WEIGHT),
      prefix: (t) => t.length >= 4,
      fuzzy: (t) => (t.length >= 5 ? 1 : false),
      weights: { fuzzy: 0.3, prefix: 0.5 },
      filter,
    });
    return results.slice(0, limit).map((r) => {
      const t = this.#tools[r.id as number];
      return { name: t.name, server: t.server, score: Math.round(r.score * 1000) / 1000, tool: t.tool };
    });
  }
}
