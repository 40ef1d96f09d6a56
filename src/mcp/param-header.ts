/**
 * The 2026-07-28 `Mcp-Name` (and `Mcp-Param-*`) header values (SEP-2243, SEP-2663).
 *
 * `Mcp-Name` mirrors one body field per method (NAME_SOURCE). A value that is not plain visible
 * ASCII (empty, surrounding spaces, control or non-ASCII characters, or one that looks like the
 * sentinel itself) travels as `=?base64?{UTF-8 as canonical base64}?=`; a sentinel whose payload is
 * not canonical base64 or not UTF-8 is invalid (the receiver answers 400 / -32020). The same rules
 * as the reference SDK's, so edgehub accepts what SDK clients send and sends what SDK servers accept.
 */

/** Which body param `Mcp-Name` mirrors, per method. */
export const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const PREFIX = '=?base64?';
const SUFFIX = '?=';
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The body value `Mcp-Name` must carry for this request, or undefined when none. */
export function nameSource(method: string, params: Record<string, unknown> | undefined): { field: string; value?: string } | undefined {
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  if (!field) return undefined;
  const v = params?.[field];
  return { field, value: typeof v === 'string' ? v : undefined };
}

function needsBase64(s: string): boolean {
  if (s.length === 0 || s !== s.trim()) return true;
  if (s.startsWith(PREFIX) && s.endsWith(SUFFIX)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 9 && (c < 32 || c > 126)) return true;
  }
  return false;
}

export function encodeParamValue(value: string): string {
  if (!needsBase64(value)) return value;
  let bin = '';
  for (const b of new TextEncoder().encode(value)) bin += String.fromCharCode(b);
  return `${PREFIX}${btoa(bin)}${SUFFIX}`;
}

/** The decoded value, or undefined for an invalid sentinel. */
export function decodeParamValue(value: string): string | undefined {
  if (!(value.startsWith(PREFIX) && value.endsWith(SUFFIX))) return value;
  const b64 = value.slice(PREFIX.length, value.length - SUFFIX.length);
  if (!CANONICAL.test(b64)) return undefined;
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}
