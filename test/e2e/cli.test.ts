// The `edgehub` CLI end to end: the real bin spawned with node against the shared dev-open
// `wrangler dev` (keys, tokens, servers, Magg import/export, If-Match conflict through a proxy
// that lands a change mid-import, check, kits, status, exit codes), and against a second instance
// in jwt mode that accepts a token minted by `edgehub auth token` and refuses one without `admin`.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, restoreConfig } from '../helpers/admin';
import { cliRunner } from '../helpers/cli';
import { type Proc, startEverything } from '../helpers/procs';
import { type DevServer, freePort, startDev } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
const home = mkdtempSync(join(tmpdir(), 'edgehub-cli-'));

const cli = cliRunner(base, home);

/** A Magg config.json as Magg writes it (stdio + HTTP servers, transport options, a kit), plus edgehub's builtin git. */
const MAGG_CONFIG = {
  servers: {
    calc: {
      source: 'https://github.com/example/mcp-calc-server',
      prefix: 'calc',
      notes: 'Basic calculator server',
      command: 'python',
      args: ['-m', 'mcp_calc_server'],
      uri: null,
      env: { API_KEY: '${CALC_KEY}' },
      cwd: '/srv/calc',
      transport: {},
      enabled: true,
      kits: ['calculator'],
    },
    web: {
      source: 'https://example.com/web-mcp',
      prefix: 'web',
      uri: 'https://mcp.example.com/mcp',
      transport: { headers: { Authorization: 'Bearer ${WEB_TOKEN}' }, sse_read_timeout: 300, keep_alive: true },
      enabled: false,
    },
    git: { source: 'builtin:git', prefix: 'git', uri: 'builtin:git', enabled: true },
  },
  kits: {
    calculator: { name: 'calculator', description: 'Basic calculator functionality for MCP', path: '/home/u/.magg/kit.d/calculator.json', source: null },
  },
};

let ev: Proc;
let original: any;

beforeAll(async () => {
  ev = await startEverything();
  original = (await admin(base(), 'GET', '/config')).json;
});

afterAll(async () => {
  const r = await restoreConfig(base(), original);
  expect(r.status, r.text).toBe(200);
  await ev?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('edgehub auth', () => {
  it('init writes a 0600 RSA-2048 private key and the public key; refuses to overwrite without --force', async () => {
    const r = await cli(['auth', 'init', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ alg: 'RS256', issuer: 'edgehub-cli' });
    expect(statSync(join(home, 'private-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const pub = await importSPKI(readFileSync(join(home, 'public-key.pem'), 'utf8'), 'RS256', { extractable: true });
    expect((pub.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048);

    const again = await cli(['auth', 'init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/keys already exist .*--force/);
    const forced = await cli(['auth', 'init', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.json.kid).not.toBe(r.json.kid);
  });

  it('ES256 and EdDSA key pairs in another --dir', async () => {
    for (const alg of ['ES256', 'EdDSA']) {
      const dir = join(home, alg);
      const r = await cli(['auth', 'init', '--dir', dir, '--alg', alg, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.alg).toBe(alg);
      const t = await cli(['auth', 'token', '--dir', dir, '--sub', 'bob']);
      expect(decodeProtectedHeader(t.stdout.trim()).alg).toBe(alg);
    }
  });

  it('token carries exactly the requested claims and verifies against the public key', async () => {
    const r = await cli(['auth', 'token', '--sub', 'alice', '--scope', 'mcp:read mcp:call admin', '--tenant', 'acme', '--ttl', '1h']);
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = decodeProtectedHeader(token);
    const meta = JSON.parse(readFileSync(join(home, 'auth.json'), 'utf8'));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: meta.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'edgehub-cli', aud: `${base()}/mcp`, sub: 'alice', scope: 'mcp:read mcp:call admin', tenant: 'acme' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    const pub = await importSPKI(readFileSync(join(home, 'public-key.pem'), 'utf8'), 'RS256');
    await expect(jwtVerify(token, pub, { issuer: 'edgehub-cli', audience: `${base()}/mcp` })).resolves.toBeTruthy();

    const j = await cli(['auth', 'token', '--json', '--iss', 'https://issuer.example', '--aud', 'urn:edgehub', '--ttl', '15m', '--scope', 'mcp:read']);
    expect(j.json.claims).toMatchObject({ iss: 'https://issuer.example', aud: 'urn:edgehub', scope: 'mcp:read' });
    expect(j.json.claims.tenant).toBeUndefined();
    expect(decodeJwt(j.json.token)).toEqual(j.json.claims);
    expect(j.json.claims.exp - j.json.claims.iat).toBe(900);
  });

  it('public-key prints the PEM on stdout and the wrangler hint on stderr; bad input exits 2', async () => {
    const r = await cli(['auth', 'public-key']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(readFileSync(join(home, 'public-key.pem'), 'utf8').trim());
    expect(r.stderr).toContain('wrangler secret put AUTH_PUBLIC_KEY');
    const b64 = await cli(['auth', 'public-key', '--base64']);
    expect(Buffer.from(b64.stdout.trim(), 'base64').toString()).toBe(r.stdout.trim());
    for (const bad of [['--ttl', 'forever'], ['--tenant', 'Not_Valid'], ['--bogus']]) {
      const t = await cli(['auth', 'token', ...bad]);
      expect(t.code, bad.join(' ')).toBe(2);
      expect(t.stdout).toBe('');
    }
    const none = await cli(['auth', 'token'], { EDGEHUB_HOME: join(home, 'nothing-here') });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no signing key .*\n.*edgehub auth init/);
  });
});

describe('edgehub servers', () => {
  it('add (mount-checked) → list → disable → enable → info → remove, tables and --json', async () => {
    const add = await cli(['servers', 'add', 'ev', '--uri', `${ev.url}/mcp`, '--prefix', 'ev', '--notes', 'server-everything']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/added 'ev' \(config version \d+\)/);

    let list = await cli(['servers', 'list', '--json']);
    expect(list.json.servers.find((s: any) => s.name === 'ev')).toMatchObject({ enabled: true, kind: 'http', effectivePrefix: 'ev' });
    const table = await cli(['servers', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+PREFIX\s+KIND\s+STATE\s+KITS\s+TARGET$/);
    expect(table.stdout).toMatch(/^ev\s+ev\s+http\s+enabled\s/m);

    expect((await cli(['servers', 'disable', 'ev'])).code).toBe(0);
    list = await cli(['servers', 'list', '--json']);
    expect(list.json.servers.find((s: any) => s.name === 'ev').enabled).toBe(false);
    expect((await cli(['servers', 'list'])).stdout).toMatch(/^ev\s+ev\s+http\s+disabled\s/m);

    const en = await cli(['servers', 'enable', 'ev', '--json']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.json).toMatchObject({ ok: true, changes: { enable: ['ev'] } });

    const info = await cli(['servers', 'info', 'ev', '--json']);
    expect(info.json).toMatchObject({ name: 'ev', uri: `${ev.url}/mcp`, notes: 'server-everything', enabled: true });
    expect((await cli(['servers', 'info', 'ev'])).stdout).toMatch(/^notes\s+server-everything$/m);

    const dup = await cli(['servers', 'add', 'ev', '--uri', `${ev.url}/mcp`]);
    expect(dup.code).toBe(5);
    expect(dup.stderr).toMatch(/already exists[\s\S]*field: name[\s\S]*--replace/);

    const audit = (await admin(base(), 'GET', '/audit?limit=3')).json.audit.map((a: any) => a.action);
    expect(audit).toEqual(['server.enable', 'server.disable', 'server.put']);
  });

  it('refusals print the API message and field and exit non-zero; --no-check saves an unreachable server', async () => {
    const bad = await cli(['servers', 'add', 'bad', '--uri', 'https://a.example/mcp', '--prefix', 'has_underscore']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^edgehub: prefix: prefix must match/m);
    expect(bad.stderr).toMatch(/^ {2}field: prefix$/m);

    const dead = `http://127.0.0.1:${await freePort()}/mcp`;
    const refused = await cli(['servers', 'add', 'dead', '--uri', dead]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/mounting 'dead' failed/);
    expect(refused.stderr).toMatch(/field: servers\.dead/);
    expect((await admin(base(), 'GET', '/servers/dead')).status).toBe(404);

    const saved = await cli(['servers', 'add', 'dead', '--uri', dead, '--no-check', '--header', 'X-Api-Key=${DEAD_KEY}']);
    expect(saved.code, saved.stderr).toBe(0);
    expect((await admin(base(), 'GET', '/servers/dead')).json).toMatchObject({
      uri: dead,
      enabled: true,
      transport: { headers: { 'X-Api-Key': '${DEAD_KEY}' } },
    });

    const missing = await cli(['servers', 'enable', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/server 'nope' does not exist[\s\S]*field: name/);
    expect((await cli(['servers', 'add'])).code).toBe(2);
    expect((await cli(['servers', 'remove', 'dead'])).code).toBe(0);
    expect((await cli(['servers', 'add', 'off', '--uri', dead, '--disabled'])).code).toBe(0);
    expect((await admin(base(), 'GET', '/servers/off')).json.enabled).toBe(false);
    expect((await cli(['servers', 'remove', 'off'])).code).toBe(0);
  });

  it('--command takes a whole command line as `magg server add` does (split shell-style); --arg keeps it as given', async () => {
    const add = await cli(['servers', 'add', 'fs', '--command', `npx -y @modelcontextprotocol/server-filesystem "/tmp/a dir"`, '--connector', 'laptop']);
    expect(add.code, add.stderr).toBe(0);
    const fs = (await admin(base(), 'GET', '/servers/fs')).json;
    expect([fs.command, fs.args]).toEqual(['npx', ['-y', '@modelcontextprotocol/server-filesystem', '/tmp/a dir']]);
    expect((await cli(['servers', 'add', 'raw', '--command', 'my server', '--arg', 'stdio', '--connector', 'laptop'])).code).toBe(0);
    const raw = (await admin(base(), 'GET', '/servers/raw')).json;
    expect([raw.command, raw.args]).toEqual(['my server', ['stdio']]);
    const bad = await cli(['servers', 'add', 'bad', '--command', `npx "unclosed`, '--connector', 'laptop']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unclosed " quote');
    for (const n of ['fs', 'raw']) expect((await cli(['servers', 'remove', n])).code).toBe(0);
  });
});

describe('edgehub check and status', () => {
  it('check reports per server with progress on stderr; a failing upstream exits 1', async () => {
    const ok = await cli(['check', 'ev', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json.results.ev).toMatchObject({ ok: true });
    expect(ok.json.results.ev.tools).toBeGreaterThan(5);
    expect(ok.stderr).toMatch(/\[1\/1\] ev: ok/);

    const dead = `http://127.0.0.1:${await freePort()}/mcp`;
    await admin(base(), 'PUT', '/servers/down?check=false', { uri: dead, enabled: false });
    const table = await cli(['check', 'ev', 'down']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^ev\s+ok\s+\d+/m);
    expect(table.stdout).toMatch(/^down\s+FAILED\s+-\s+\d+\s+\S/m);
    expect(table.stderr).toMatch(/1 ok, 1 failed/);

    const enabledOnly = await cli(['check', '--json']);
    expect(enabledOnly.json.skipped).toContain('down');
    expect(Object.keys(enabledOnly.json.results)).toContain('ev');
    await admin(base(), 'DELETE', '/servers/down');
  });

  it('status --json: health, version, servers and sessions', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.health).toMatchObject({ status: 'ok' });
    expect(r.json.version).toBe(Number((await admin(base(), 'GET', '/config')).headers.get('etag')!.replace(/"/g, '')));
    expect(r.json.servers.enabled).toContain('ev');
    expect(Array.isArray(r.json.sessions)).toBe(true);
    expect((await cli(['status'])).stdout).toMatch(/^config\s+version \d+$/m);
  });
});

describe('edgehub config import/export (Magg config.json)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgehub-cli-cfg-'));
  const maggFile = join(dir, 'config.json');
  writeFileSync(maggFile, JSON.stringify(MAGG_CONFIG, null, 2));

  it('--dry-run shows the plan and writes nothing', async () => {
    const before = await admin(base(), 'GET', '/config');
    const r = await cli(['config', 'import', maggFile, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ dryRun: true, problems: [] });
    expect(r.json.changes.add).toEqual(expect.arrayContaining(['calc', 'web']));
    expect(r.json.changes.remove).toContain('ev');
    const after = await admin(base(), 'GET', '/config');
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
  });

  it('import as is → export to a file is deep-equal; stdio entries reported as served via a connector', async () => {
    const r = await cli(['config', 'import', maggFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/importing 3 server\(s\) over version \d+, mount-checking 1/);
    expect(r.stderr).toMatch(/imported .* config version \d+ → \d+/);
    expect(r.stdout).toMatch(/^viaConnector\s+calc$/m);
    const out = join(dir, 'exported.json');
    const e = await cli(['config', 'export', '--output', out]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(MAGG_CONFIG);
    const stdout = await cli(['config', 'export']);
    expect(JSON.parse(stdout.stdout)).toEqual(MAGG_CONFIG);
    const etag = (await admin(base(), 'GET', '/config')).headers.get('etag');
    const again = await cli(['config', 'import', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already equals .*nothing to import/);
    expect((await admin(base(), 'GET', '/config')).headers.get('etag')).toBe(etag);
    const list = await cli(['servers', 'list', '--json']);
    expect(list.json.servers.map((s: any) => [s.name, s.kind])).toEqual([
      ['calc', 'stdio'],
      ['web', 'http'],
      ['git', 'builtin'],
    ]);
  });

  it('a change landing during the import is reported (exit 5), not overwritten', async () => {
    // A proxy that, when the CLI sends its PUT /config, first lands another change on the server.
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.method === 'PUT' && req.url?.startsWith('/admin/api/config'))
        await admin(base(), 'PUT', '/servers/sneaky?check=false', { uri: 'https://sneaky.example/mcp', enabled: false });
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<
        string,
        string
      >;
      const up = await fetch(`${base()}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const back = Object.fromEntries([...up.headers].filter(([k]) => !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)));
      res.writeHead(up.status, back);
      res.end(Buffer.from(await up.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const other = join(dir, 'other.json');
      writeFileSync(other, JSON.stringify({ servers: { only: { uri: 'https://only.example/mcp', enabled: false } } }));
      const r = await cli(['config', 'import', other], { EDGEHUB_URL: `http://127.0.0.1:${(proxy.address() as { port: number }).port}` });
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(/config changed on the server after it was read \(version \d+\); nothing was written/);
      const now = (await admin(base(), 'GET', '/config')).json;
      expect(now.servers.sneaky).toBeDefined();
      expect(now.servers.only).toBeUndefined();
    } finally {
      await new Promise((r) => proxy.close(r));
      await admin(base(), 'DELETE', '/servers/sneaky');
    }
  });

  it('a bad file names the field: locally (JSON, prefix, redacted values) and from the API', async () => {
    const cases: [unknown, RegExp][] = [
      [{ servers: { x: { uri: 'https://a.example/mcp', prefix: 'has_underscore' } } }, /field: servers\.x\.prefix/],
      [
        { servers: { x: { uri: 'https://a.example/mcp', transport: { headers: { Authorization: '***' } } } } },
        /redacted export[\s\S]*field: servers\.x\.transport\.headers\.Authorization/,
      ],
    ];
    const before = (await admin(base(), 'GET', '/config')).headers.get('etag');
    for (const [cfg, re] of cases) {
      const f = join(dir, 'bad.json');
      writeFileSync(f, JSON.stringify(cfg));
      const r = await cli(['config', 'import', f, '--no-check']);
      expect(r.code, JSON.stringify(cfg)).toBe(1);
      expect(r.stderr).toMatch(re);
    }
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ servers: { x: { uri: 'https://a.example/mcp', transport: { hedaers: {} } } } }));
    const strict = await cli(['config', 'import', typo, '--no-check', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/Unrecognized key[\s\S]*field: servers\.x\.transport\.hedaers/);
    writeFileSync(join(dir, 'broken.json'), '{"servers": ');
    const broken = await cli(['config', 'import', join(dir, 'broken.json')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.json is not valid JSON/);
    expect((await admin(base(), 'GET', '/config')).headers.get('etag')).toBe(before);
  });

  it('unknown keys are imported and printed as warnings on stderr (stdout stays the result)', async () => {
    const f = join(dir, 'typo-ok.json');
    const cfg = { servers: { x: { uri: 'https://a.example/mcp', enabled: false, transport: { hedaers: {} } } }, log_level: 'DEBUG' };
    writeFileSync(f, JSON.stringify(cfg));
    const r = await cli(['config', 'import', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: servers\.x\.transport\.hedaers: unknown key 'hedaers'/m);
    expect(r.stdout).not.toMatch(/warning/);
    expect((await admin(base(), 'GET', '/config')).json).toEqual(cfg);
  });
});

describe('edgehub kits', () => {
  it('list → load (servers added, tagged) → unload (removed)', async () => {
    const cur = await admin(base(), 'GET', '/config');
    const kits = {
      ...cur.json.kits,
      everything: { name: 'everything', description: 'the reference server', servers: { evk: { uri: `${ev.url}/mcp`, prefix: 'evk' } } },
    };
    expect((await admin(base(), 'PUT', '/config', { ...cur.json, kits }, { 'if-match': cur.headers.get('etag')! })).status).toBe(200);

    const list = await cli(['kits', 'list', '--json']);
    expect(list.json.kits.find((k: any) => k.name === 'everything')).toMatchObject({ loaded: false, servers: ['evk'] });
    expect((await cli(['kits', 'list'])).stdout).toMatch(/^everything\s+no\s+evk\s+the reference server$/m);

    const load = await cli(['kits', 'load', 'everything']);
    expect(load.code, load.stderr).toBe(0);
    expect((await admin(base(), 'GET', '/servers/evk')).json).toMatchObject({ kits: ['everything'], enabled: true });
    expect((await cli(['kits', 'list', '--json'])).json.kits.find((k: any) => k.name === 'everything').loaded).toBe(true);

    const unload = await cli(['kits', 'unload', 'everything', '--json']);
    expect(unload.code, unload.stderr).toBe(0);
    expect(unload.json.ok).toBe(true);
    expect((await admin(base(), 'GET', '/servers/evk')).status).toBe(404);
    const missing = await cli(['kits', 'load', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/kit 'nope' does not exist/);
  });
});

describe('edgehub usage', () => {
  it('--help works for every command; unknown commands and an unreachable URL exit 2 and 3', async () => {
    const commands = [[], ['auth'], ['servers'], ['config'], ['kits'], ['check'], ['status']];
    for (const g of [
      'auth init',
      'auth token',
      'auth public-key',
      'auth status',
      'servers list',
      'servers info',
      'servers add',
      'servers update',
      'servers remove',
      'servers enable',
      'servers disable',
      'config export',
      'config import',
      'kits list',
      'kits info',
      'kits load',
      'kits unload',
    ])
      commands.push(g.split(' '));
    for (const c of commands) {
      const r = await cli([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout, c.join(' ')).toMatch(/^Usage: edgehub/);
    }
    expect((await cli(['servers', 'add', '--help'])).stdout).toContain('--no-check');
    expect((await cli(['nope'])).code).toBe(2);
    const down = await cli(['servers', 'list'], { EDGEHUB_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach edgehub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});

describe('edgehub against a jwt-mode instance', () => {
  let dev: DevServer;
  const jwtHome = mkdtempSync(join(tmpdir(), 'edgehub-cli-jwt-'));

  beforeAll(async () => {
    const init = await cli(['auth', 'init', '--alg', 'ES256', '--issuer', 'https://cli.edgehub.test'], { EDGEHUB_HOME: jwtHome });
    expect(init.code, init.stderr).toBe(0);
    const pub = await cli(['auth', 'public-key', '--base64'], { EDGEHUB_HOME: jwtHome });
    // The .dev.vars-style value the CLI suggests (base64 of the PEM); PUBLIC_URL makes the audience <PUBLIC_URL>/mcp.
    const port = await freePort();
    dev = await startDev({
      port,
      vars: {
        AUTH_MODE: 'jwt',
        AUTH_PUBLIC_KEY: pub.stdout.trim(),
        AUTH_ISSUER: 'https://cli.edgehub.test',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_FAILURES_PER_MINUTE: '0',
      },
    });
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    rmSync(jwtHome, { recursive: true, force: true });
  });

  it('a token minted by `edgehub auth token` is accepted; one without admin is refused (exit 4); the token is never printed', async () => {
    const env = { EDGEHUB_HOME: jwtHome, EDGEHUB_URL: dev.url };
    const adminTok = (await cli(['auth', 'token', '--sub', 'ops', '--scope', 'mcp:read admin'], env)).stdout.trim();
    const readTok = (await cli(['auth', 'token', '--sub', 'reader', '--scope', 'mcp:read mcp:call'], env)).stdout.trim();
    expect(decodeJwt(adminTok).aud).toBe(`${dev.url}/mcp`);

    const ok = await cli(['servers', 'list', '--json'], { ...env, EDGEHUB_TOKEN: adminTok });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json.servers.map((s: any) => s.name)).toContain('git');
    const st = await cli(['status'], { ...env, EDGEHUB_TOKEN: adminTok });
    expect(st.code, st.stderr).toBe(0);

    const add = await cli(['servers', 'add', 'x', '--uri', 'https://x.example/mcp', '--disabled'], { ...env, EDGEHUB_TOKEN: adminTok });
    expect(add.code, add.stderr).toBe(0);
    const audit = (await fetch(`${dev.url}/admin/api/audit?limit=1`, { headers: { authorization: `Bearer ${adminTok}` } }).then((r) => r.json())) as any;
    expect(audit.audit[0]).toMatchObject({ action: 'server.put', actor: 'ops', ok: true });

    const refused = await cli(['servers', 'list'], { ...env, EDGEHUB_TOKEN: readTok });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/needs the 'admin' scope/);

    const none = await cli(['servers', 'list'], env);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/Bearer access token is required[\s\S]*EDGEHUB_TOKEN/);

    const forged = await cli(['servers', 'list', '--token', `${adminTok.slice(0, -4)}AAAA`], env);
    expect(forged.code).toBe(4);
    expect(forged.stderr).toMatch(/signature is invalid[\s\S]*mint a fresh one/);

    for (const r of [ok, st, add, refused, none, forged]) for (const t of [adminTok, readTok]) expect(r.stdout + r.stderr).not.toContain(t);
    expect(existsSync(join(jwtHome, 'private-key.pem'))).toBe(true);
  });
});
