/**
 * The words of requests, for tool search (tool-search.ts): stop words, a light stemmer, and a table
 * of intent words → the words tool authors use ("history" → log, "bug" → issue).
 *
 * Trade-off: users phrase intents in words tool descriptions rarely contain; a small fixed table is
 * cheaper and more predictable at the edge than embeddings. It was written against the labelled
 * queries in test/bench (README "Tool search, code mode and profiles" reports a set never tuned on).
 */

export const STOP = new Set(
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

/** SYNONYMS keyed by stem (built once). */
let synonymsByStem: Map<string, string[]> | null = null;
export function synonyms(term: string): string[] {
  if (!synonymsByStem) {
    synonymsByStem = new Map();
    for (const [k, v] of Object.entries(SYNONYMS)) synonymsByStem.set(stem(k), [...(synonymsByStem.get(stem(k)) ?? []), ...v]);
  }
  return synonymsByStem.get(stem(term)) ?? [];
}
