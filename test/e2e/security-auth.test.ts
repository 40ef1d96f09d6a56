// Attacks on authentication, routing and reads (jwt mode, two tenants, admin/reader principals):
// every spelling of a guarded path, a token minted for another Host, a reader's view of upstream
// URIs and stdio command lines, per-tenant quotas, and failed-authentication floods per client IP.
// Before the fixes: a token whose `aud` named the request's own Host passed when no audience was
// configured; a reader saw `?api_key=…`, stdio args/env/cwd; a tenant could add servers and grow
// its config without bound; 50 bad tokens in a row from one IP all got 401 (no limit).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, startJwtDev } from '../helpers/jwt-dev';
import { createMinter, TEST_ISSUER } from '../helpers/tokens';
import { type DevServer, freePort, startDev } from '../helpers/wrangler';

const QUERY_SECRET = `q-${crypto.randomUUID()}`;
const ARG_SECRET = `arg-${crypto.randomUUID()}`;
const ENV_SECRET = `env-${crypto.randomUUID()}`;
const CWD = `/home/ops/${crypto.randomUUID()}`;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let h: JwtDev;

beforeAll(async () => {
  h = await startJwtDev({ vars: { MAX_SERVERS_PER_TENANT: '4', MAX_CONFIG_BYTES: '20000', AUTH_FAILURES_PER_MINUTE: '5' } });
}, 180_000);
afterAll(() => h?.stop());

const admin = (method: string, path: string, body?: unknown, tenant: 'acme' | 'globex' = 'acme') =>
  h.fetch(`/admin/api${path}`, {
    method,
    headers: { ...h.auth(tenant, 'admin'), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('every spelling of a guarded path is guarded the same', () => {
  const spellings = [
    '/admin/api/servers',
    '/admin/%61pi/servers',
    '/admin/ap%69/servers',
    '/%61dmin/api/servers',
    '/admin/api/servers/',
    '/admin//api/servers',
    '/admin/api/./servers',
    '/admin/x/../api/servers',
    '/ADMIN/api/servers',
    '/admin/api/%73ervers',
  ];

  it('a reader never reads or changes the admin API under any spelling', async () => {
    for (const p of spellings) {
      const get = await h.fetch(p, { headers: h.auth('acme', 'reader') });
      expect([401, 403, 404], `GET ${p}: ${get.status} ${get.text}`).toContain(get.status);
      const put = await h.fetch(`${p}/sneaky`, {
        method: 'PUT',
        headers: { ...h.auth('acme', 'reader'), 'content-type': 'application/json' },
        body: JSON.stringify({ uri: 'https://example.com/mcp', enabled: false }),
      });
      expect([401, 403, 404], `PUT ${p}/sneaky: ${put.status}`).toContain(put.status);
    }
    const servers = (await admin('GET', '/servers')).json;
    expect(JSON.stringify(servers)).not.toContain('sneaky');
  });

  it('no token gets nothing from /mcp, /admin or /git under any spelling', async () => {
    let i = 1;
    for (const p of [
      '/mcp',
      '/mc%70',
      '/%6dcp',
      '/mcp/',
      '//mcp',
      '/admin',
      '/admin/',
      '/%61dmin',
      '/admin/api/config',
      '/git/demo/info/refs?service=git-upload-pack',
      '/g%69t/demo/info/refs?service=git-upload-pack',
    ]) {
      // Its own client IP: these 401s count against that IP's failure budget, not the other tests'.
      const r = await h.fetch(p, {
        method: p.includes('mc') ? 'POST' : 'GET',
        headers: { ...JSON_HEADERS, 'cf-connecting-ip': `198.51.100.${i++}` },
        body: p.includes('mc') ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) : undefined,
      });
      // The dashboard's sign-in page is public; it holds no data.
      const signIn = r.status === 200 && r.text.includes('<title>Sign in');
      expect(signIn || [302, 401, 403, 404, 405].includes(r.status), `${p}: ${r.status} ${r.text.slice(0, 200)}`).toBe(true);
      expect(r.text).not.toMatch(/"tools"\s*:\s*\[|"servers"/);
    }
  });
});

describe('what a reader sees of the configuration', () => {
  beforeAll(async () => {
    const put = await admin('PUT', '/servers/keyed?check=false', {
      uri: `https://api.example.com/mcp?api_key=${QUERY_SECRET}#frag`,
      enabled: false,
      source: `https://example.com/src?token=${QUERY_SECRET}`,
      // Unknown keys are kept (with a warning) by the lenient Magg-compatible schema: never shown to a reader.
      api_key: QUERY_SECRET,
      transport: { token: QUERY_SECRET, call_timeout_ms: 5000 },
    });
    expect(put.status, put.text).toBe(200);
    const stdio = await admin('PUT', '/servers/local?check=false', {
      command: 'npx',
      args: ['-y', 'some-server', `--token=${ARG_SECRET}`],
      env: { API_TOKEN: ENV_SECRET },
      cwd: CWD,
      enabled: false,
    });
    expect(stdio.status, stdio.text).toBe(200);
  });

  it('hub_list_servers, hub_status, hub://servers/* and proxy: no query, no args/env/cwd for a non-admin', async () => {
    for (const role of ['reader', 'caller'] as const) {
      const c = await h.client('acme', role);
      try {
        const texts: string[] = [];
        const list = (await c.callTool({ name: 'hub_list_servers', arguments: {} })) as unknown as {
          content: { text: string }[];
          structuredContent: { servers: Record<string, unknown>[] };
        };
        texts.push(list.content[0].text);
        const servers = list.structuredContent.servers;
        expect(servers.find((s) => s.name === 'keyed')?.uri).toBe('https://api.example.com/mcp?…');
        expect(servers.find((s) => s.name === 'local')).toMatchObject({ command: 'npx' });
        expect(servers.find((s) => s.name === 'local')).not.toHaveProperty('args');
        texts.push(((await c.callTool({ name: 'hub_status', arguments: {} })) as { content: { text: string }[] }).content[0].text);
        for (const uri of ['hub://servers/all', 'hub://server/keyed', 'hub://server/local']) texts.push(JSON.stringify(await c.readResource({ uri })));
        // proxy needs mcp:call (it is not read-only): the caller reads the same resources through it.
        if (role === 'caller')
          texts.push(JSON.stringify(await c.callTool({ name: 'proxy', arguments: { action: 'call', type: 'resource', path: 'hub://servers/all' } })));
        for (const t of texts) for (const secret of [QUERY_SECRET, ARG_SECRET, ENV_SECRET, CWD]) expect(t, role).not.toContain(secret);
      } finally {
        await c.close();
      }
    }
  });

  it('kits: a non-admin sees kit servers as reader views; an admin read shows literal values as ***', async () => {
    const KIT_SECRET = `kit-${crypto.randomUUID()}`;
    const put = await admin('PUT', '/kits/leaky', {
      description: 'a Magg kit file with literal credentials',
      servers: {
        gh: { command: 'npx', args: ['-y', 'gh-server', `--token=${KIT_SECRET}`], env: { GITHUB_TOKEN: KIT_SECRET } },
        web: { uri: `https://w.example/mcp?key=${KIT_SECRET}`, transport: { headers: { 'X-Key': KIT_SECRET } } },
      },
    });
    expect(put.status, put.text).toBe(200);
    const c = await h.client('acme', 'reader');
    try {
      const texts = [
        JSON.stringify(await c.callTool({ name: 'hub_list_kits', arguments: {} })),
        JSON.stringify(await c.callTool({ name: 'hub_kit_info', arguments: { name: 'leaky' } })),
        JSON.stringify(await c.readResource({ uri: 'hub://kits/all' })),
      ];
      for (const t of texts) {
        expect(t).toContain('leaky');
        expect(t).not.toContain(KIT_SECRET);
      }
    } finally {
      await c.close();
    }
    for (const path of ['/kits/leaky', '/kits', '/config']) expect((await admin('GET', path)).text, path).not.toContain(`GITHUB_TOKEN":"${KIT_SECRET}`);
    expect((await admin('GET', '/kits/leaky')).json.servers.gh.env.GITHUB_TOKEN).toBe('***');
    expect((await admin('DELETE', '/kits/leaky')).status).toBe(200);
  });

  it('an admin still sees the full URI and the command line (env values stay redacted)', async () => {
    const c = await h.client('acme', 'admin');
    try {
      const text = ((await c.callTool({ name: 'hub_list_servers', arguments: {} })) as { content: { text: string }[] }).content[0].text;
      expect(text).toContain(QUERY_SECRET);
      expect(text).toContain(ARG_SECRET);
      expect(text).not.toContain(ENV_SECRET);
    } finally {
      await c.close();
    }
  });
});

describe('per-tenant quotas', () => {
  it('servers: past MAX_SERVERS_PER_TENANT a change gets 413 naming the limit; nothing is written', async () => {
    const before = (await admin('GET', '/config')).headers.get('etag');
    // acme holds git, keyed, local: one more fits, the fifth does not.
    expect((await admin('PUT', '/servers/fourth?check=false', { uri: 'https://four.example.com/mcp', enabled: false })).status).toBe(200);
    const over = await admin('PUT', '/servers/fifth?check=false', { uri: 'https://five.example.com/mcp', enabled: false });
    expect(over.status).toBe(413);
    expect(over.json.message).toMatch(/at most 4 servers \(MAX_SERVERS_PER_TENANT\)/);
    expect((await admin('GET', '/servers/fifth')).status).toBe(404);
    expect((await admin('GET', '/config')).headers.get('etag')).not.toBe(before);
    // Another tenant has its own quota.
    expect((await admin('PUT', '/servers/fifth?check=false', { uri: 'https://five.example.com/mcp', enabled: false }, 'globex')).status).toBe(200);
  });

  it('config size: past MAX_CONFIG_BYTES a change gets 413; the config is unchanged', async () => {
    const before = (await admin('GET', '/config')).headers.get('etag');
    const big = await admin('PATCH', '/servers/fourth?check=false', { notes: 'x'.repeat(30_000) });
    // The admin body limit is 1 MiB, so this reaches the quota check.
    expect(big.status, big.text).toBe(413);
    expect(big.json.message).toMatch(/MAX_CONFIG_BYTES/);
    expect((await admin('GET', '/config')).headers.get('etag')).toBe(before);
  });
});

describe('failed authentication is rate-limited per client IP', () => {
  it('past AUTH_FAILURES_PER_MINUTE bad requests an IP gets 429 (even with a good token); other IPs are unaffected', async () => {
    const ip = { 'cf-connecting-ip': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await h.fetch('/admin/api/servers', { headers: { ...ip, authorization: `Bearer not.a.token${i}` } })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const good = await h.fetch('/admin/api/servers', { headers: { ...ip, ...h.auth('acme', 'admin') } });
    expect(good.status).toBe(429);
    expect(Number(good.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': '203.0.113.8', ...h.auth('acme', 'admin') } })).status).toBe(200);
  });

  it('requests without credentials (discovery, git) do not count; an IPv6 /64 is one client', async () => {
    for (let i = 0; i < 8; i++) expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': '203.0.113.9' } })).status).toBe(401);
    expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': '203.0.113.9', ...h.auth('acme', 'admin') } })).status).toBe(200);
    // Rotating addresses inside one /64 (and spelling them differently) does not reset the budget.
    const v6 = ['2001:db8:7:1::1', '2001:db8:7:1::2', '2001:0db8:0007:0001:0:0:0:3', '2001:db8:7:1:ffff::4', '2001:db8:7:1::5'];
    for (const ip of v6)
      expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': ip, authorization: 'Bearer bad.token.x' } })).status).toBe(401);
    expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': '2001:db8:7:1::99', authorization: 'Bearer bad.token.y' } })).status).toBe(
      429,
    );
    expect((await h.fetch('/admin/api/servers', { headers: { 'cf-connecting-ip': '2001:db8:7:2::1', ...h.auth('acme', 'admin') } })).status).toBe(200);
  });
});

describe('the token audience never comes from the request Host', () => {
  let dev: DevServer;
  afterAll(() => dev?.stop());

  it('jwt mode without PUBLIC_URL or AUTH_AUDIENCE refuses every token and says what to set', async () => {
    const port = await freePort();
    const m = await createMinter({ audience: 'http://evil.example/mcp' });
    dev = await startDev({
      port,
      vars: { AUTH_MODE: 'jwt', AUTH_PUBLIC_KEY: m.keys.publicPem, AUTH_ISSUER: TEST_ISSUER, RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0' },
    });
    const token = await m.token({ sub: 'mallory' });
    // A token for "evil.example", sent with Host: evil.example.
    const r = await new Promise<{ status: number; body: string }>((res, rej) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/admin/api/servers', headers: { host: 'evil.example', authorization: `Bearer ${token}` } },
        (resp) => {
          let body = '';
          resp.on('data', (d) => (body += d));
          resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
        },
      );
      req.on('error', rej);
      req.end();
    });
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/PUBLIC_URL.*AUTH_AUDIENCE/);
  });
});
