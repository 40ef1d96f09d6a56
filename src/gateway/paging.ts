/**
 * Opaque cursors over merged lists. A cursor encodes the config version and an offset, so a
 * cursor from another version is refused (-32602) instead of silently skipping or repeating items.
 */
import { rpc } from '../mcp/errors';
import type { Json } from './provider';

export const PAGE_SIZE = 500;

export function paginate(key: string, items: Json[], cursor: string | undefined, version: number): Json {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (!decoded || decoded.v !== version || decoded.o < 0 || decoded.o > items.length)
      throw rpc.invalidParams('cursor is invalid or from an older configuration; list again from the start');
    offset = decoded.o;
  }
  const page = items.slice(offset, offset + PAGE_SIZE);
  const result: Json = { [key]: page };
  if (offset + PAGE_SIZE < items.length) result.nextCursor = btoa(JSON.stringify({ v: version, o: offset + PAGE_SIZE }));
  return result;
}

function decodeCursor(cursor: string): { v: number; o: number } | null {
  try {
    const v = JSON.parse(atob(cursor)) as { v?: unknown; o?: unknown };
    return typeof v.v === 'number' && typeof v.o === 'number' && Number.isInteger(v.o) ? { v: v.v, o: v.o } : null;
  } catch {
    return null;
  }
}
