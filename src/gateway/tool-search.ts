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
 * Trade-off: a handful of intent synonyms (delete ↔ remove, …) are expanded at query time: users
 * phrase intents in words tool authors rarely use, and a tiny fixed table is cheaper and more
 * predictable than embeddings at the edge.
 */
import MiniSearch from 'minisearch';
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

const STOP = new Set(
  'a an the and or of to in on for from with by at as is are be been it its this that these those me my i we our you your please can could would should will do does did what which who how all any some into onto than then there here just let lets want need t s d ll re ve m'.split(
    ' ',
  ),
);

/**
 * Intent words → words tool authors use (verbs of everyday requests, and nouns of common domains).
 * Applied to queries only, keyed by stem, so "bundles" finds the entry of "bundle".
 */
const SYNONYMS: Record<string, string[]> = {
  // verbs
  delete: ['remove', 'rm'],
  remove: ['delete', 'rm'],
  erase: ['delete', 'remove'],
  drop: ['remove', 'delete'],
  discard: ['reset', 'delete'],
  show: ['list', 'read', 'view', 'get'],
  inside: ['read', 'content'],
  content: ['read'],
  send: ['push', 'email', 'mail'],
  origin: ['remote', 'push'],
  view: ['show', 'read'],
  see: ['show', 'list', 'read'],
  display: ['show'],
  open: ['read', 'show'],
  find: ['search', 'lookup'],
  lookup: ['search', 'find'],
  look: ['search', 'find'],
  save: ['commit', 'write', 'store'],
  put: ['write', 'set'],
  write: ['create', 'draft'],
  record: ['commit', 'log'],
  undo: ['reset', 'revert'],
  unstage: ['reset'],
  back: ['undo', 'reset', 'unstage'],
  switch: ['checkout', 'disable', 'enable'],
  jump: ['checkout', 'switch'],
  download: ['fetch', 'pull', 'clone', 'export'],
  grab: ['fetch', 'get', 'download'],
  copy: ['clone'],
  upload: ['push'],
  publish: ['push'],
  combine: ['merge'],
  integrate: ['merge'],
  mark: ['tag', 'label'],
  label: ['tag'],
  install: ['load', 'add', 'kit'],
  uninstall: ['unload', 'remove'],
  hook: ['add', 'connect'],
  connect: ['add'],
  turn: ['enable', 'disable', 'toggle'],
  ping: ['check', 'health'],
  repeat: ['echo'],
  say: ['echo'],
  answer: ['reply', 'respond'],
  respond: ['reply'],
  email: ['mail', 'send', 'message'],
  book: ['schedule', 'create', 'event'],
  schedule: ['create', 'event', 'calendar'],
  cancel: ['delete'],
  hand: ['assign'],
  give: ['assign'],
  resolve: ['close'],
  clear: ['archive', 'delete'],
  compress: ['gzip', 'zip'],
  query: ['sql', 'search'],
  create: ['new', 'init', 'add'],
  start: ['init', 'create', 'new'],
  begin: ['init', 'create'],
  new: ['create', 'init'],
  make: ['create', 'new', 'init'],
  rename: ['move'],
  sum: ['add', 'total'],
  plus: ['add', 'sum'],
  total: ['sum'],
  update: ['pull', 'change', 'edit'],
  // nouns and adjectives
  history: ['log'],
  recent: ['log', 'latest'],
  last: ['log', 'recent', 'latest'],
  latest: ['fetch', 'pull', 'recent'],
  upstream: ['remote', 'origin'],
  server: ['remote'],
  changes: ['diff', 'status'],
  changed: ['diff', 'status'],
  modified: ['diff', 'status'],
  clean: ['status'],
  staging: ['stage', 'index'],
  version: ['tag', 'release'],
  release: ['tag', 'version'],
  health: ['status', 'check'],
  healthy: ['health', 'check', 'status'],
  alive: ['health', 'check', 'ping'],
  broken: ['health', 'check', 'fail'],
  failing: ['health', 'check', 'fail'],
  running: ['status', 'health'],
  config: ['configuration', 'reload'],
  configuration: ['config'],
  setting: ['config'],
  plugin: ['server', 'kit'],
  bundle: ['kit'],
  picture: ['image'],
  photo: ['image'],
  slow: ['long', 'running', 'progress'],
  wait: ['long', 'running'],
  ask: ['elicit', 'elicitation'],
  llm: ['sampling', 'sample'],
  bug: ['issue', 'ticket'],
  ticket: ['issue'],
  task: ['issue', 'ticket'],
  crash: ['bug', 'issue', 'error'],
  note: ['comment'],
  meeting: ['event', 'calendar'],
  call: ['event', 'meeting'],
  standup: ['event', 'meeting'],
  appointment: ['event'],
  invitation: ['invite'],
  free: ['available', 'slot'],
  vacation: ['out', 'office', 'away'],
  holiday: ['out', 'office', 'away'],
  inbox: ['mail', 'unread', 'message'],
  message: ['email', 'mail'],
  thread: ['email', 'reply'],
  everyone: ['all'],
  newsletter: ['email', 'message'],
  unread: ['unread', 'new'],
  spreadsheet: ['csv', 'export'],
  database: ['sql', 'table', 'warehouse'],
  column: ['describe', 'table'],
  warm: ['temperature', 'current'],
  cold: ['temperature', 'current'],
  hot: ['temperature', 'current'],
  temperature: ['current', 'weather'],
  rain: ['forecast', 'weather', 'precipitation'],
  snow: ['forecast', 'weather'],
  tomorrow: ['forecast', 'event', 'list'],
  busy: ['event', 'free', 'available'],
  monday: ['event', 'calendar'],
  tuesday: ['event', 'calendar'],
  wednesday: ['event', 'calendar'],
  thursday: ['event', 'calendar'],
  friday: ['event', 'calendar'],
  saturday: ['event', 'calendar'],
  sunday: ['event', 'calendar'],
  morning: ['event', 'calendar'],
  afternoon: ['event', 'calendar'],
  evening: ['event', 'calendar'],
  weekend: ['forecast', 'event'],
  today: ['current', 'event'],
  now: ['current'],
  pollution: ['air', 'quality'],
  breathe: ['air', 'quality'],
  environment: ['env'],
  variable: ['env'],
  branches: ['branch'],
};

/**
 * A light suffix stemmer: enough to meet intent phrasings halfway (stage, staged, staging, stages
 * → stag; commit, committed → commit). A final `e` is dropped so a verb and its inflections agree.
 */
export function stem(term: string): string {
  let t = term;
  if (t.length > 4) {
    if (t.endsWith('ly') && t.length > 5) t = t.slice(0, -2);
    else if (t.endsWith('ies')) t = `${t.slice(0, -3)}y`;
    else if (t.endsWith('ing') && t.length > 5) t = undouble(t.slice(0, -3));
    else if (t.endsWith('ed')) t = undouble(t.slice(0, -2));
    else if (/(sh|ch|x|ss)es$/.test(t)) t = t.slice(0, -2);
    else if (t.endsWith('s') && !t.endsWith('ss')) t = t.slice(0, -1);
  }
  return t.length >= 4 && t.endsWith('e') ? t.slice(0, -1) : t;
}

/** committ → commit, stopp → stop (letters English doubles before -ed/-ing; not l, s, f: pull, pass). */
function undouble(t: string): string {
  return /([bdgmnprt])\1$/.test(t) ? t.slice(0, -1) : t;
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
/** SYNONYMS keyed by stem (built once). */
let synonymsByStem: Map<string, string[]> | null = null;
function synonyms(term: string): string[] {
  if (!synonymsByStem) {
    synonymsByStem = new Map();
    for (const [k, v] of Object.entries(SYNONYMS)) synonymsByStem.set(stem(k), [...(synonymsByStem.get(stem(k)) ?? []), ...v]);
  }
  return synonymsByStem.get(stem(term)) ?? [];
}
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
