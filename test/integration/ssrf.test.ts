// SSRF guard (src/gateway/ssrf.ts): upstream URLs and every redirect hop are refused when they
// point at loopback, private, link-local, metadata or otherwise internal addresses, in any of the
// spellings URL parsing accepts (decimal/hex/octal IPv4, IPv6 mapped/compatible/6to4/NAT64 forms).
import { describe, expect, it } from 'vitest';
import { checkUrl, guardedFetch, SsrfError } from '../../src/net/ssrf';

const REFUSED = [
  // loopback, every spelling
  'http://127.0.0.1/',
  'http://127.0.0.1:8787/mcp',
  'http://127.255.255.254/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://0177.0.0.1/',
  'http://0x7f.0.0.1/',
  'http://127.1/',
  'http://①②⑦.0.0.1/',
  'http://127。0。0。1/',
  'http://localhost/',
  'http://LOCALHOST:80/',
  'http://localhost./',
  'http://localhost../',
  'http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/',
  'http://api.localhost/',
  'http://0/',
  'http://0.0.0.0/',
  // IPv6 loopback / unspecified / mapped / compatible / translated
  'http://[::1]/',
  'http://[0::1]/',
  'http://[0000:0000:0000:0000:0000:0000:0000:0001]/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[0:0:0:0:0:ffff:7f00:1]/',
  'http://[::ffff:10.0.0.1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:192.168.1.1]/',
  'http://[::127.0.0.1]/',
  'http://[::ffff:0:7f00:1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[64:ff9b::a9fe:a9fe]/',
  'http://[64:ff9b:1::a00:1]/',
  'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
  'http://[2002:a9fe:a9fe::1]/', // 6to4 of 169.254.169.254
  'http://[2001::1]/', // Teredo
  'http://[fe80::1]/',
  'http://[febf::1]/',
  'http://[fec0::1]/', // site-local (deprecated, still routed internally by some stacks)
  'http://[fc00::1]/',
  'http://[fd00:ec2::254]/', // AWS IMDS over IPv6
  'http://[ff02::1]/',
  'http://[100::1]/', // discard-only
  // private IPv4 ranges
  'http://10.0.0.1/',
  'http://10.255.255.255/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.0.1/',
  'http://100.64.0.1/',
  'http://100.127.255.255/',
  'http://198.18.0.1/',
  'http://192.0.0.1/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  // link-local and cloud metadata
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.169.254./',
  'http://0xa9fea9fe/',
  'http://2852039166/',
  'http://169.254.0.1/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
  'http://instance-data/',
  'http://foo.internal/',
  'http://printer.local/',
  'http://router.home.arpa/',
  // well-known names that always resolve to loopback
  'http://localtest.me/',
  'http://a.localtest.me/',
  'http://lvh.me/',
  'http://127.0.0.1.nip.io/',
  'http://app-10-0-0-1.nip.io/',
  'http://169.254.169.254.sslip.io/',
];

const ALLOWED = [
  'https://example.com/mcp',
  'http://93.184.216.34/',
  'https://8.8.8.8/',
  'http://172.15.255.255/',
  'http://172.32.0.1/',
  'http://100.63.255.255/',
  'http://100.128.0.1/',
  'http://169.253.0.1/',
  'https://[2606:4700:4700::1111]/',
  'https://[fc0::1]/', // 0fc0::, not fc00::/7
  'https://1.1.1.1.nip.io/',
  'https://mcp.localhost-tools.com/',
];

const NOT_HTTP = [
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'ftp://example.com/',
  'javascript:alert(1)',
  'data:text/plain,hi',
  'ws://example.com/',
  'not a url',
  '',
];

describe('checkUrl', () => {
  for (const u of REFUSED)
    it(`refuses ${u}`, () => {
      expect(() => checkUrl(u, false)).toThrow(SsrfError);
    });
  for (const u of ALLOWED)
    it(`allows ${u}`, () => {
      expect(checkUrl(u, false)).toBeInstanceOf(URL);
    });
  it('refuses non-http(s) schemes even when private upstreams are allowed', () => {
    for (const u of NOT_HTTP) expect(() => checkUrl(u, true), u).toThrow(SsrfError);
  });
  it('refuses credentials in URLs', () => {
    expect(() => checkUrl('https://user:pass@example.com/', false)).toThrow(/credentials/);
  });
  it('ALLOW_PRIVATE_UPSTREAMS=true lets loopback fixtures through (dev only)', () => {
    expect(checkUrl('http://127.0.0.1:8787/mcp', true).port).toBe('8787');
  });
  it('the error carries a machine code and tells the operator what to do', () => {
    try {
      checkUrl('http://10.0.0.1/', false);
    } catch (e) {
      expect((e as SsrfError).code).toBe('SSRF_REFUSED');
      expect((e as Error).message).toMatch(/ALLOW_PRIVATE_UPSTREAMS/);
    }
  });
});

describe('guardedFetch', () => {
  function fakeNet(routes: Record<string, () => Response>) {
    const hits: string[] = [];
    const seen: { url: string; method: string; headers: Record<string, string>; body: string }[] = [];
    const base = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      hits.push(url);
      const req = new Request(input, init);
      seen.push({ url, method: req.method, headers: Object.fromEntries(req.headers), body: req.body ? await req.text() : '' });
      expect(init?.redirect).toBe('manual'); // the guard must see every hop
      const r = routes[url];
      return r ? r() : new Response('ok');
    }) as typeof fetch;
    return { base, hits, seen };
  }
  const redirect =
    (to: string, status = 302) =>
    () =>
      new Response(null, { status, headers: { location: to } });

  it('refuses a redirect to a private range, never fetching it', async () => {
    for (const target of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:8787/admin/api/config',
      'http://[::ffff:7f00:1]/',
      'http://0x7f000001/',
      'http://localhost/',
    ])
      for (const status of [301, 302, 303, 307, 308]) {
        const net = fakeNet({ 'https://public.example/mcp': redirect(target, status) });
        await expect(guardedFetch(false, net.base)('https://public.example/mcp')).rejects.toThrow(SsrfError);
        expect(net.hits).toEqual(['https://public.example/mcp']);
      }
  });

  it('refuses a multi-hop chain that ends private, and relative redirects resolve against the hop', async () => {
    const net = fakeNet({
      'https://a.example/': redirect('https://b.example/x'),
      'https://b.example/x': redirect('//10.0.0.5/y'),
    });
    await expect(guardedFetch(false, net.base)('https://a.example/')).rejects.toThrow(SsrfError);
    expect(net.hits).toEqual(['https://a.example/', 'https://b.example/x']);
    const rel = fakeNet({ 'https://a.example/p/q': redirect('../r') });
    const r = await guardedFetch(false, rel.base)('https://a.example/p/q');
    expect(await r.text()).toBe('ok');
    expect(rel.hits).toEqual(['https://a.example/p/q', 'https://a.example/r']);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const net = fakeNet({ 'https://a.example/': redirect('file:///etc/passwd') });
    await expect(guardedFetch(false, net.base)('https://a.example/')).rejects.toThrow(SsrfError);
  });

  it('stops redirect loops', async () => {
    const net = fakeNet({ 'https://a.example/': redirect('https://a.example/') });
    await expect(guardedFetch(false, net.base)('https://a.example/')).rejects.toThrow(/too many redirects/);
    expect(net.hits.length).toBeLessThanOrEqual(6);
  });

  it('refuses the first hop without fetching, for Request inputs too', async () => {
    const net = fakeNet({});
    await expect(guardedFetch(false, net.base)(new Request('http://192.168.1.1/'))).rejects.toThrow(SsrfError);
    await expect(guardedFetch(false, net.base)(new URL('http://[::1]/'))).rejects.toThrow(SsrfError);
    expect(net.hits).toEqual([]);
  });

  it('passes public responses through, including 3xx without Location', async () => {
    const net = fakeNet({ 'https://a.example/': () => new Response(null, { status: 304 }) });
    expect((await guardedFetch(false, net.base)('https://a.example/')).status).toBe(304);
  });

  const SECRET_HEADERS = {
    authorization: 'Bearer top-secret',
    'x-api-key': 'key-secret',
    cookie: 'a=b',
    'mcp-session-id': 'abc',
    accept: 'application/json',
    'content-type': 'application/json',
  };

  it('never sends credentials to another origin: scheme, host or port, for every redirect status', async () => {
    for (const target of ['https://b.example/mcp', 'http://a.example/mcp', 'https://a.example:8443/mcp'])
      for (const status of [301, 302, 303, 307, 308]) {
        const net = fakeNet({ 'https://a.example/mcp': redirect(target, status), [target]: redirect('https://a.example/back', 307) });
        await guardedFetch(false, net.base)('https://a.example/mcp', { method: 'POST', headers: SECRET_HEADERS, body: '{"x":1}' });
        expect(net.seen[0].headers.authorization).toBe('Bearer top-secret');
        for (const hop of net.seen.slice(1)) {
          // Stripped at the first cross-origin hop and never restored, even back on the first origin.
          for (const h of ['authorization', 'x-api-key', 'cookie', 'mcp-session-id']) expect(hop.headers[h], `${status} → ${hop.url}: ${h}`).toBeUndefined();
          expect(hop.headers.accept).toBe('application/json');
        }
      }
  });

  it('keeps headers on same-origin hops; 307/308 resend method and body; 303 and POST→301/302 become GET', async () => {
    for (const status of [307, 308]) {
      const net = fakeNet({ 'https://a.example/mcp': redirect('/mcp2', status) });
      await guardedFetch(false, net.base)('https://a.example/mcp', { method: 'POST', headers: SECRET_HEADERS, body: '{"x":1}' });
      expect(net.seen[1]).toMatchObject({ url: 'https://a.example/mcp2', method: 'POST', body: '{"x":1}' });
      expect(net.seen[1].headers.authorization).toBe('Bearer top-secret');
    }
    for (const status of [301, 302, 303]) {
      const net = fakeNet({ 'https://a.example/mcp': redirect('/mcp2', status) });
      await guardedFetch(false, net.base)('https://a.example/mcp', { method: 'POST', headers: SECRET_HEADERS, body: '{"x":1}' });
      expect(net.seen[1]).toMatchObject({ method: 'GET', body: '' });
    }
  });

  it("honours redirect: 'manual' (the SDK's same-origin policy) and 'error'", async () => {
    const net = fakeNet({ 'https://a.example/mcp': redirect('https://evil.example/steal', 307) });
    const r = await guardedFetch(false, net.base)('https://a.example/mcp', { headers: SECRET_HEADERS, redirect: 'manual' });
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe('https://evil.example/steal');
    expect(net.hits).toEqual(['https://a.example/mcp']);
    await expect(guardedFetch(false, net.base)('https://a.example/mcp', { redirect: 'error' })).rejects.toThrow(/redirect/);
    expect(net.hits).toEqual(['https://a.example/mcp', 'https://a.example/mcp']);
  });
});
