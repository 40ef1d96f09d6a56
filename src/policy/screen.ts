/**
 * Screening of a tool definition before it is pinned (OWASP MCP Top 10, MCP03 tool poisoning).
 * Every string of the definition is read (title, description, and each property description
 * inside inputSchema/outputSchema), because poisoned text often hides in parameter descriptions.
 *
 * Findings (each quarantines the tool, with the finding shown to the admin):
 * - invisible: zero-width, bidi-control, tag and other invisible characters (text a person
 *   reviewing the definition cannot see but a model reads);
 * - addressed to the model: tags such as `<IMPORTANT>` / `<system>`, "ignore previous
 *   instructions", "do not tell the user", and similar phrasing;
 * - shadowing: the text names another mounted server's exposed tool (e.g. `mail_send` in a
 *   `weather` tool), the way a poisoned server redirects a model's use of a trusted one.
 * Trade-off: patterns, not a model; they catch the published attacks and known phrasings and can
 * be reviewed by an admin, who approves a false positive in one step.
 */

/** Code point ranges of invisible, zero-width, bidi-control, tag and variation-selector characters. */
const INVISIBLE: [number, number][] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

function invisibleIn(text: string): number | null {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xad && INVISIBLE.some(([lo, hi]) => cp >= lo && cp <= hi)) return cp;
  }
  return null;
}

const TO_MODEL: [RegExp, string][] = [
  [/<\s*\/?\s*(important|system|instructions?|secret|hidden|admin|override)\b[^>]*>/i, 'a tag addressed to the model'],
  [
    /\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|other|preceding)\s+(instructions?|prompts?|rules|directions)/i,
    'asks the model to ignore its instructions',
  ],
  [
    /\b(do\s+not|don'?t|never)\s+(tell|inform|mention|reveal|show|notify|alert)\b[^.\n]{0,60}\b(user|human|person|operator)/i,
    'asks the model to hide something from the user',
  ],
  [/\b(without|before)\s+(telling|informing|notifying|asking)\s+the\s+(user|human)/i, 'asks the model to act without the user knowing'],
  [/\b(hide|conceal|keep)\s+(this|it|these)\b[^.\n]{0,30}\bfrom\s+the\s+(user|human)/i, 'asks the model to hide something from the user'],
  [/\byou\s+are\s+now\s+(a|an|in)\b/i, "tries to change the model's role"],
  [/\b(system\s+prompt|chain[-\s]of[-\s]thought)\b/i, "refers to the model's prompt"],
  [
    /\b(read|send|upload|include|pass)\b[^.\n]{0,40}(~\/\.ssh|id_rsa|\.env\b|mcp\.json|\.aws\/credentials|\.netrc)/i,
    'asks the model to move credentials or private files',
  ],
];

/** Every string inside a JSON value (bounded depth: schemas are small). */
function strings(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 20) return out;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out, depth + 1);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out, depth + 1);
    }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Findings for one tool definition. `othersTools`: exposed names of every other mounted server's
 * tools (shadowing); only names that carry a prefix are matched, a bare word is too common.
 */
export function screenTool(def: Record<string, unknown>, othersTools: Iterable<string> = []): string[] {
  const text = strings({ title: def.title, description: def.description, inputSchema: def.inputSchema, outputSchema: def.outputSchema });
  const joined = text.join('\n');
  const flags: string[] = [];
  const inv = invisibleIn(joined);
  if (inv !== null) flags.push(`invisible character U+${inv.toString(16).toUpperCase().padStart(4, '0')} in its text`);
  const seen = new Set<string>();
  for (const [re, why] of TO_MODEL) {
    const m = re.exec(joined);
    if (m && !seen.has(why)) {
      seen.add(why);
      flags.push(`text addressed to the model (${why}): "${m[0].slice(0, 80)}"`);
    }
  }
  const shadowed: string[] = [];
  for (const name of othersTools) {
    if (!/[_-]/.test(name) || name.length < 4) continue;
    if (joined.includes(name) && new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(name)}($|[^A-Za-z0-9_-])`).test(joined)) shadowed.push(name);
    if (shadowed.length >= 5) break;
  }
  if (shadowed.length) flags.push(`shadowing: its text names another server's tools (${shadowed.join(', ')})`);
  return flags;
}
