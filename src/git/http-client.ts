/**
 * isomorphic-git's HTTP client over edgehub's SSRF-guarded fetch: every request and every redirect
 * hop is checked (gateway/ssrf.ts), unlike `isomorphic-git/http/web`, which follows redirects
 * blindly. Same contract: the request body arrives as an (async) iterable of chunks, the response
 * body leaves as an async iterator of Uint8Array.
 */
import { guardedFetch } from '../net/ssrf';
import { concatBytes } from '../utils/bytes';

interface GitHttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    parts.push(part);
    size += part.byteLength;
  }
  return concatBytes(parts, size);
}

async function* chunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export function guardedGitHttp(allowPrivate: boolean) {
  const fetcher = guardedFetch(allowPrivate);
  return {
    async request({ url, method = 'GET', headers = {}, body }: GitHttpRequest) {
      const res = await fetcher(url, { method, headers, body: body ? await collect(body) : undefined });
      const outHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (outHeaders[k] = v));
      return { url: res.url || url, method, statusCode: res.status, statusMessage: res.statusText, body: chunks(res.body), headers: outHeaders };
    },
  };
}
