/**
 * Resource URIs inside results: a tool result's (or a prompt message's) `resource_link` and embedded
 * `resource` blocks name resources by their server's own URI. For a prefixed server they are
 * rewritten to the exposed URI (naming.ts), the same one `resources/list` shows, so a client can
 * read what it was linked to through edgehub; every other field passes unchanged. Results of
 * unprefixed servers and of edgehub's own mounts are returned as they are (the same object).
 */
import type { Json } from './provider';

type Expose = (uri: string) => string;

function block(b: unknown, expose: Expose): unknown {
  if (!b || typeof b !== 'object') return b;
  const c = b as Json;
  if (c.type === 'resource_link' && typeof c.uri === 'string') return { ...c, uri: expose(c.uri) };
  if (c.type === 'resource' && c.resource && typeof c.resource === 'object' && typeof (c.resource as Json).uri === 'string') {
    const r = c.resource as Json;
    return { ...c, resource: { ...r, uri: expose(r.uri as string) } };
  }
  return b;
}

function blocks(list: unknown, expose: Expose): unknown {
  return Array.isArray(list) ? list.map((b) => block(b, expose)) : list;
}

/** tools/call results: `content[]`. */
export function exposeToolResultUris(result: Json, expose: Expose | null): Json {
  if (!expose || !Array.isArray(result.content)) return result;
  return { ...result, content: blocks(result.content, expose) };
}

/** prompts/get results: `messages[].content` (one block each). */
export function exposePromptUris(result: Json, expose: Expose | null): Json {
  if (!expose || !Array.isArray(result.messages)) return result;
  return {
    ...result,
    messages: result.messages.map((m: unknown) => (m && typeof m === 'object' ? { ...(m as Json), content: block((m as Json).content, expose) } : m)),
  };
}
