/**
 * Opaque cursors over merged lists. A cursor encodes the config version and an offset, so a
 * cursor from another version is refused (-32602) instead of silently skipping or repeating items.
 *
 * Pages of one merged list are built once and memoised (mcp/json-text.ts): every request on the
 * same version gets the same read-only page array, serialised once.
 */
import { rpc } from '../mcp/errors';
import { memoJson } from '../mcp/json-text';
import type { Json } from './provider';

export const PAGE_SIZE = 500;

const pages = new WeakMap<Json[], Map<number, Json[]>>();

export function paginate(key: string, items: Json[], cursor: string | undefined, version: number): Json {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (!decoded || decoded.v !== version || decoded.o < 0 || decoded.o > items.length)
      throw rpc.invalidParams('cursor is invalid or from an older configuration; list again from the start');
    offset = decoded.o;
  }
  const result: Json = { [key]: pageOf(items, offset) };
  if (offset + PAGE_SIZE < items.length) result.nextCursor = btoa(JSON.stringify({ v: version, o: offset + PAGE_SIZE }));
  return result;
}

/** Only offsets this module issues (multiples of PAGE_SIZE) are memoised: crafted ones cannot grow memory. */
function pageOf(items: Json[], offset: number): Json[] {
  if (offset % PAGE_SIZE !== 0) return items.slice(offset, offset + PAGE_SIZE);
  let byOffset = pages.get(items);
  if (!byOffset) pages.set(items, (byOffset = new Map()));
  let page = byOffset.get(offset);
  if (!page) byOffset.set(offset, (page = memoJson(items.slice(offset, offset + PAGE_SIZE))));
  return page;
}

function decodeCursor(cursor: string): { v: number; o: number } | null {
  try {
    const v = JSON.parse(atob(cursor)) as { v?: unknown; o?: unknown };
    return typeof v.v === 'number' && typeof v.o === 'number' && Number.isInteger(v.o) ? { v: v.v, o: v.o } : null;
  } catch {
    return null;
  }
}
