/**
 * JSON text of outgoing JSON-RPC messages, with memoised parts: a list page (e.g. 500 merged tools,
 * ~100 KiB) is the same array for every request on one config version, so its text is produced
 * once and spliced into each reply instead of re-serialised per request.
 *
 * Invariant: an array passed to `memoJson` is never mutated afterwards (the gateway's pages are
 * read-only views of an immutable merged catalog). Only arrays directly under `result` are looked
 * at, so the check costs a handful of property reads per message.
 */
import type { JsonRpcMessage } from './protocol';

const texts = new WeakMap<object, string | null>();
// Unforgeable per isolate: a client cannot put this string into a result to have text spliced in.
// Made on first use (Workers forbid random values in global scope).
let token: { raw: string; text: string } | null = null;
function placeholder(): { raw: string; text: string } {
  if (!token) {
    const raw = `\u0000edgehub-json-${crypto.randomUUID()}-`;
    // The NUL is written as \u0000 in JSON text.
    token = { raw, text: JSON.stringify(raw).slice(1, -1) };
  }
  return token;
}

/** Marks `value` as immutable, so replies holding it reuse one serialisation. Returns `value`. */
export function memoJson<T extends object>(value: T): T {
  if (!texts.has(value)) texts.set(value, null);
  return value;
}

function textOf(value: object): string {
  let t = texts.get(value);
  if (t == null) {
    t = JSON.stringify(value);
    texts.set(value, t);
  }
  return t;
}

/** JSON.stringify(message), reusing the text of memoised arrays found directly under `result`. */
export function stringifyMessage(message: JsonRpcMessage): string {
  const result = (message as { result?: unknown }).result;
  if (typeof result !== 'object' || result === null) return JSON.stringify(message);
  let swapped: Record<string, unknown> | null = null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (typeof v !== 'object' || v === null || !texts.has(v)) continue;
    swapped ??= { ...result };
    swapped[k] = `${placeholder().raw}${parts.length}`;
    parts.push(textOf(v));
  }
  if (!swapped) return JSON.stringify(message);
  let text = JSON.stringify({ ...message, result: swapped });
  // Each placeholder occurs exactly once (the closing quote keeps `…1"` from matching `…10"`).
  parts.forEach((part, i) => {
    text = text.replace(`"${placeholder().text}${i}"`, () => part);
  });
  return text;
}
