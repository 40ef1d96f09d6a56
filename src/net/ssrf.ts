/**
 * SSRF guard for upstream URLs and git remotes: http(s) only; loopback, private, link-local,
 * CGNAT, unique-local and cloud-metadata addresses (and `localhost` names) refused unless the
 * deployment explicitly allows private upstreams (dev, tests with loopback fixtures).
 * IPv6 literals are parsed to hextets (mapped, compatible, NAT64, 6to4 and Teredo forms that reach
 * an IPv4 address are judged by it); well-known loopback DNS names and `<ip>.nip.io`-style names
 * are refused. Limit: other names are not resolved here (Workers has no DNS API), so a private
 * DNS record is caught only by the platform (Cloudflare's fetch cannot reach private networks).
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

/** Parses an IPv6 literal (brackets optional, as URL normalises it) into 8 hextets. */
function parseV6(host: string): number[] | null {
  let h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const v4tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (v4tail) {
    const v4 = parseV4(v4tail[2]);
    if (v4 === null) return null;
    h = `${v4tail[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = h.split('::');
  if (halves.length > 2) return null;
  const part = (x: string) => (x === '' ? [] : x.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * IPv6 ranges that are internal or reach an IPv4 address indirectly: unspecified, loopback,
 * IPv4-mapped/compatible/translated (::/64 as a whole), NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
 * discard 100::/64, Teredo 2001::/32, documentation 2001:db8::/32, 6to4 2002::/16 when the
 * embedded IPv4 is private, unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10,
 * multicast ff00::/8.
 */
function v6Private(host: string): boolean {
  const g = parseV6(host);
  if (!g) return true; // unparseable literal: refuse
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0) {
    if (g[4] === 0 && g[5] === 0xffff) return v4Private(((g[6] << 16) | g[7]) >>> 0);
    return true; // ::, ::1, ::a.b.c.d, ::ffff:0:a.b.c.d and the rest of ::/64
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && (g[2] === 0 || g[2] === 1)) return true;
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true;
  if (g[0] === 0x2001 && (g[1] === 0 || g[1] === 0xdb8)) return true;
  if (g[0] === 0x2002) return v4Private(((g[1] << 16) | g[2]) >>> 0);
  return (g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0 || (g[0] & 0xff00) === 0xff00;
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);
/** Public DNS names that always resolve to loopback (and their subdomains). */
const LOOPBACK_NAMES = ['localtest.me', 'lvh.me', 'vcap.me', 'lacolhost.com'];
/** Wildcard DNS services that resolve `<ip>.nip.io` / `<a-b-c-d>.nip.io` to that IP. */
const IP_DNS = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})\.(?:nip\.io|sslip\.io|xip\.io|traefik\.me)$/;

function nameRefused(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.endsWith('.internal') || host.endsWith('.local') || host === 'home.arpa' || host.endsWith('.home.arpa')) return true;
  if (METADATA_NAMES.has(host)) return true;
  if (LOOPBACK_NAMES.some((n) => host === n || host.endsWith(`.${n}`))) return true;
  const ipDns = IP_DNS.exec(host);
  if (ipDns) {
    const v4 = parseV4(ipDns.slice(1, 5).join('.'));
    return v4 === null || v4Private(v4);
  }
  return false;
}

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
  const host = u.hostname.toLowerCase().replace(/\.+$/, '');
  const v4 = parseV4(host);
  const refused = nameRefused(host) || (v4 !== null && v4Private(v4)) || (host.startsWith('[') && v6Private(host));
  if (refused)
    throw new SsrfError(
      `upstream address ${u.hostname} is private, loopback or link-local; refused (set ALLOW_PRIVATE_UPSTREAMS=true only for local development)`,
    );
  return u;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/**
 * Headers that carry no credential and may follow a redirect to another origin. Everything else
 * (Authorization, Cookie, every configured upstream header such as `X-Api-Key: ${SECRET}`, session
 * ids) is dropped at the first cross-origin hop and stays dropped for the rest of the chain.
 */
const CROSS_ORIGIN_SAFE = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'mcp-protocol-version',
  'pragma',
  'user-agent',
]);

function isRedirect(res: Response): boolean {
  return REDIRECT_STATUSES.has(res.status) && res.headers.has('location');
}

function credentialFree(h: Headers): Headers {
  const out = new Headers();
  h.forEach((v, k) => {
    if (CROSS_ORIGIN_SAFE.has(k)) out.set(k, v);
  });
  return out;
}

/**
 * A fetch that checks every URL and every redirect hop against the SSRF rules.
 *
 * Redirect modes are the caller's (fetch semantics):
 * - `manual`: the first response is returned as it is, 3xx included (the MCP SDK's transports ask
 *   for this and then follow same-origin hops only, each through this guard again);
 * - `error`: a redirect throws;
 * - `follow` (default): at most 5 hops, each checked. Credentials never cross origins: at the first
 *   hop to another scheme, host or port, every header outside a small protocol allow-list is
 *   dropped (so `Authorization`, configured `${SECRET}` headers and git remote tokens stay with
 *   the origin they were configured for). 303 (and 301/302 after a POST) continue as GET without
 *   a body; 307/308 resend the same method and body.
 */
export function guardedFetch(allowPrivate: boolean, base: typeof fetch = fetch): typeof fetch {
  return async function guarded(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const first = checkUrl(input instanceof Request ? input.url : String(input), allowPrivate);
    const mode = init?.redirect ?? (input instanceof Request ? input.redirect : 'follow');
    if (mode !== 'follow') {
      const res =
        input instanceof Request
          ? await base(new Request(first.toString(), input), { ...init, redirect: 'manual' })
          : await base(first.toString(), { ...init, redirect: 'manual' });
      if (mode === 'error' && isRedirect(res)) {
        await res.body?.cancel();
        throw new SsrfError(`upstream answered a redirect (${res.status}) where none is allowed`);
      }
      return res;
    }
    const req = input instanceof Request ? new Request(input, init) : new Request(first.toString(), init);
    let method = req.method;
    let headers = new Headers(req.headers);
    // Buffered once so that a 307/308 can resend it.
    let body: ArrayBuffer | undefined = req.body ? await req.arrayBuffer() : undefined;
    const signal = init?.signal ?? req.signal;
    let url = first;
    let crossed = false;
    for (let hop = 0; ; hop++) {
      const res = await base(url.toString(), { method, headers, body, signal, redirect: 'manual' });
      if (!isRedirect(res)) return res;
      await res.body?.cancel();
      if (hop === MAX_REDIRECTS) throw new SsrfError(`too many redirects (more than ${MAX_REDIRECTS})`);
      const next = checkUrl(new URL(res.headers.get('location') as string, url).toString(), allowPrivate);
      if (!crossed && next.origin !== first.origin) {
        crossed = true;
        headers = credentialFree(headers);
      }
      if ((res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
      }
      url = next;
    }
  } as typeof fetch;
}
