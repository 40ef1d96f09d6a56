/**
 * SSRF guard for upstream URLs and git remotes: http(s) only; loopback, private, link-local,
 * CGNAT, unique-local and cloud-metadata addresses (and `localhost` names) refused unless the
 * deployment explicitly allows private upstreams (dev, tests with loopback fixtures).
 * Redirects are followed manually so every hop is checked (a public URL redirecting to
 * 169.254.169.254 is refused).
 */
export class SsrfError extends Error {
  readonly code = 'SSRF_REFUSED';
}

const V4_PRIVATE: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 CGNAT
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16 link-local + metadata
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved
];

function parseV4(host: string): number | null {
  // Accepts dotted quads plus the decimal/hex/octal shorthands URL parsing normalises away.
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function v4Private(ip: number): boolean {
  return V4_PRIVATE.some(([net, bits]) => (ip & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0)) >>> 0 === net);
}

function v6Private(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '::' || h === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    if (mapped.length === 2) return v4Private(parseV4(mapped[1]) ?? 0);
    const ip = ((parseInt(mapped[1], 16) << 16) | parseInt(mapped[2], 16)) >>> 0;
    return v4Private(ip);
  }
  return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(h) || h.startsWith('64:ff9b:') || h.startsWith('::');
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

/** Throws SsrfError unless `raw` is an allowed upstream URL. Returns the parsed URL. */
export function checkUrl(raw: string, allowPrivate: boolean): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SsrfError(`not a valid URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SsrfError(`only http(s) URLs are allowed, got ${u.protocol}`);
  if (u.username || u.password) throw new SsrfError('credentials in URLs are not allowed; use transport.headers with a secret reference');
  if (allowPrivate) return u;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  const v4 = parseV4(host);
  const refused =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local') ||
    METADATA_NAMES.has(host) ||
    (v4 !== null && v4Private(v4)) ||
    (host.startsWith('[') && v6Private(host));
  if (refused) throw new SsrfError(`upstream address ${u.hostname} is private, loopback or link-local; refused (set ALLOW_PRIVATE_UPSTREAMS=true only for local development)`);
  return u;
}

/** A fetch that checks every URL and every redirect hop. */
export function guardedFetch(allowPrivate: boolean, base: typeof fetch = fetch): typeof fetch {
  return async function guarded(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let url = checkUrl(input instanceof Request ? input.url : String(input), allowPrivate).toString();
    let req = input instanceof Request ? input : undefined;
    for (let hop = 0; hop < 5; hop++) {
      const res = req ? await base(new Request(url, req), { ...init, redirect: 'manual' }) : await base(url, { ...init, redirect: 'manual' });
      if (res.status < 300 || res.status >= 400 || !res.headers.get('location')) return res;
      url = checkUrl(new URL(res.headers.get('location')!, url).toString(), allowPrivate).toString();
      req = undefined;
      await res.body?.cancel();
    }
    throw new SsrfError('too many redirects');
  } as typeof fetch;
}
