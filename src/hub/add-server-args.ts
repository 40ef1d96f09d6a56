/**
 * `hub_add_server` takes Magg's `magg_add_server` arguments as Magg documents them: `command` is a
 * full command line ("npx @playwright/mcp@latest"), split shell-style into `command` and `args`
 * as Magg splits it (shlex); `env` and `transport` may be JSON object strings. An explicit `args`
 * (edgehub's form) leaves `command` as given. The result is a config entry (no `name`/`enable`).
 */
import { shellWords } from '../utils/shell-words.mjs';

type Args = Record<string, unknown>;

function objectArg(v: unknown, key: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof v !== 'string') return { ok: true, value: v };
  try {
    const parsed = JSON.parse(v);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { ok: true, value: parsed };
  } catch {
    /* reported below */
  }
  return { ok: false, error: `${key} must be an object or a JSON object string` };
}

export function addServerEntry(rest: Args): { ok: true; entry: Args } | { ok: false; error: string } {
  const entry: Args = { ...rest };
  if (typeof rest.command === 'string' && rest.args === undefined) {
    let words: string[];
    try {
      words = shellWords(rest.command);
    } catch (e) {
      return { ok: false, error: `command: ${e instanceof Error ? e.message : e}` };
    }
    if (words.length === 0) return { ok: false, error: 'command is empty' };
    entry.command = words[0];
    if (words.length > 1) entry.args = words.slice(1);
  }
  for (const key of ['env', 'transport']) {
    if (rest[key] === undefined) continue;
    const r = objectArg(rest[key], key);
    if (!r.ok) return r;
    entry[key] = r.value;
  }
  return { ok: true, entry };
}
