/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, preferred by MCP
 * 2026-07-28): a `client_id` that is a URL names a JSON document describing the client.
 *
 * Why not the provider library's own CIMD support: it fetches with the global `fetch` and needs
 * the `global_fetch_strictly_public` compatibility flag (which would change every upstream fetch
 * of the gateway), and it accepts https documents only. edgehub resolves documents itself:
 * through the SSRF guard (net/ssrf.ts), redirects refused, 5 s, at most 5 KiB, https only unless
 * ALLOW_PRIVATE_UPSTREAMS=true (then loopback http too, for local clients and tests). A valid
 * document is written as a public client record (`client:<url>`, the library's KV layout) whose
 * `redirectUris` are the document's, so the library's exact redirect_uri match, PKCE rule and
 * token endpoint apply unchanged. Cached per isolate and in KV for the document's max-age
 * (60 s … 1 day, default 1 h); a document that fails to resolve deletes the stored record.
 */
import { checkUrl, guardedFetch } from '../net/ssrf';
import { collectUpTo, concatBytes } from '../utils/bytes';
import { Lru } from '../utils/lru';

export const CIMD_MAX_BYTES = 5 * 1024;
const DEFAULT_TTL_SEC = 3600;
const MAX_TTL_SEC = 86_400;
const MIN_TTL_SEC = 60;

export class CimdError extends Error {
  readonly code = 'CIMD_REFUSED';
}

const cache = new Lru<string, { until: number; redirectUris: string[] }>({ maxEntries: 500 });

/** Whether a client_id is a metadata-document URL (https with a path; loopback http when allowed). */
export function isCimdClientId(clientId: string, allowPrivate: boolean): boolean {
  let u: URL;
  try {
    u = new URL(clientId);
  } catch {
    return false;
  }
  if (u.pathname === '/' || u.hash || u.username || u.password) return false;
  return u.protocol === 'https:' || (allowPrivate && u.protocol === 'http:');
}

function validRedirect(raw: unknown): raw is string {
  if (typeof raw !== 'string' || raw.length > 2000) return false;
  try {
    const u = new URL(raw);
    if (u.hash || u.username || u.password) return false;
    return u.protocol === 'https:' || (u.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(u.hostname));
  } catch {
    return false;
  }
}

function maxAge(res: Response): number {
  const m = /max-age=(\d+)/i.exec(res.headers.get('cache-control') ?? '');
  const v = m ? Number(m[1]) : DEFAULT_TTL_SEC;
  return Math.min(MAX_TTL_SEC, Math.max(MIN_TTL_SEC, v));
}

async function fetchDocument(url: string, allowPrivate: boolean, base: typeof fetch): Promise<{ doc: Record<string, unknown>; ttl: number }> {
  checkUrl(url, allowPrivate);
  let res: Response;
  try {
    res = await guardedFetch(allowPrivate, base)(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new CimdError(`the client's metadata document ${url} could not be fetched (${e instanceof Error ? e.message : 'network error'})`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new CimdError(`the client's metadata document ${url} answered HTTP ${res.status}`);
  }
  const reader = res.body.getReader();
  const { chunks, size, over } = await collectUpTo(reader, CIMD_MAX_BYTES);
  if (over) {
    await reader.cancel();
    throw new CimdError(`the client's metadata document ${url} is larger than ${CIMD_MAX_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(concatBytes(chunks, size)));
  } catch {
    throw new CimdError(`the client's metadata document ${url} is not UTF-8 JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CimdError(`the client's metadata document ${url} is not a JSON object`);
  return { doc: doc as Record<string, unknown>, ttl: maxAge(res) };
}

/** The library's client record for a validated document (a public client: PKCE, no secret). */
export function clientRecord(url: string, doc: Record<string, unknown>): Record<string, unknown> {
  if (doc.client_id !== url) throw new CimdError(`the metadata document's client_id does not equal its URL ${url}`);
  const uris = doc.redirect_uris;
  if (!Array.isArray(uris) || !uris.length || uris.length > 20 || !uris.every(validRedirect))
    throw new CimdError(`the metadata document ${url} needs redirect_uris: 1–20 https (or loopback http) URLs without fragment or userinfo`);
  const method = doc.token_endpoint_auth_method ?? 'none';
  if (method !== 'none')
    throw new CimdError(
      `the metadata document ${url} asks for token_endpoint_auth_method '${String(method)}'; edgehub supports 'none' (PKCE) for metadata-document clients`,
    );
  const str = (v: unknown, max: number) => (typeof v === 'string' && v.length <= max ? v : undefined);
  return {
    clientId: url,
    redirectUris: uris,
    clientName: str(doc.client_name, 200) ?? new URL(url).host,
    clientUri: str(doc.client_uri, 2000),
    logoUri: str(doc.logo_uri, 2000),
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    registrationDate: Math.floor(Date.now() / 1000),
    tokenEndpointAuthMethod: 'none',
    edgehubCimd: true,
  };
}

/**
 * Makes sure the client record of a metadata-document client_id is present and fresh in KV before
 * the library reads it. No-op for other client ids. Throws CimdError with a message a person can act on.
 */
export async function ensureCimdClient(kv: KVNamespace, clientId: string, allowPrivate: boolean, base: typeof fetch = fetch): Promise<void> {
  if (!isCimdClientId(clientId, allowPrivate)) return;
  const hit = cache.get(clientId);
  if (hit && hit.until > Date.now()) return;
  try {
    const { doc, ttl } = await fetchDocument(clientId, allowPrivate, base);
    const record = clientRecord(clientId, doc);
    await kv.put(`client:${clientId}`, JSON.stringify(record), { expirationTtl: ttl });
    cache.set(clientId, { until: Date.now() + ttl * 1000, redirectUris: record.redirectUris as string[] });
  } catch (e) {
    cache.delete(clientId);
    await kv.delete(`client:${clientId}`);
    throw e instanceof CimdError ? e : new CimdError(`the client's metadata document ${clientId} is unusable (${e instanceof Error ? e.message : 'error'})`);
  }
}
