// The admin dashboard end to end in real Chromium (Debian `chromium` driven by playwright-core):
// our own `wrangler dev` in jwt mode with a test key, a fixture upstream mounted beside the
// built-in git server. Log in with a minted admin token, see the servers, check them, disable one
// (through the confirm dialog the page script adds), see its status change and the audit entry;
// screenshot to test/artifacts/dashboard.png. Also: CSP and framing headers (and a real framing
// attempt), no CSP violations, refusal of a token without `admin`, CSRF refusals, the login
// cookie never authenticating /admin/api, logout, and the shared dev-open instance without login.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Proc, startFixture } from '../helpers/procs';
import { base64, bearer, createMinter, type Minter } from '../helpers/tokens';
import { type DevServer, freePort, ROOT, startDev } from '../helpers/wrangler';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard.png');

let dev: DevServer;
let fixture: Proc;
let minter: Minter;
let base: string;
let ctx: BrowserContext;
let page: Page;
let profile: string;
let framer: Server;
const consoleLines: string[] = [];

async function launch(): Promise<BrowserContext> {
  profile = mkdtempSync(join(tmpdir(), 'edgehub-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The dashboard's POST-form fields as the page rendered them (for hand-made requests). */
async function csrfSession(cookie: string): Promise<{ cookies: string; csrf: string }> {
  const r = await fetch(`${base}/admin`, { headers: { cookie }, redirect: 'manual' });
  expect(r.status).toBe(200);
  const csrf = /edgehub_csrf=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1];
  return { cookies: `${cookie}; edgehub_csrf=${csrf}`, csrf };
}

/** A sessionful MCP client (2025-11-25) that lists tools: traffic for the breaker column and a live session. */
async function mcpSession(token: string): Promise<string> {
  const headers = { ...bearer(token), 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = (body: unknown, sid?: string) =>
    fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...headers, ...(sid ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } : {}) },
      body: JSON.stringify(body),
    });
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-dashboard', version: '1' } },
  });
  expect(init.status, await init.text()).toBe(200);
  const sid = init.headers.get('mcp-session-id')!;
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sid)).text();
  const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, sid);
  expect(await list.text()).toContain('fx_');
  return sid;
}

describe.skipIf(!existsSync(CHROMIUM))('admin dashboard in Chromium (jwt mode)', () => {
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    minter = await createMinter({ audience: `${base}/mcp` });
    [fixture, dev] = await Promise.all([
      startFixture('fixture'),
      startDev({
        port,
        vars: {
          AUTH_MODE: 'jwt',
          AUTH_PUBLIC_KEY: base64(minter.keys.publicPem),
          AUTH_ISSUER: minter.issuer,
          PUBLIC_URL: base,
          RATE_LIMIT_PER_MINUTE: '0',
          AUTH_FAILURES_PER_MINUTE: '0',
        },
      }),
    ]);
    const admin = await minter.token({ sub: 'setup', scope: 'admin' });
    const r = await fetch(`${base}/admin/api/servers/fixture`, {
      method: 'PUT',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ uri: `${fixture.url}/mcp`, prefix: 'fx', notes: 'conformance fixture' }),
    });
    expect(r.status, await r.text()).toBe(200);
    ctx = await launch();
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('dialog', (d) => void d.accept());
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    framer?.close();
    await Promise.all([dev?.stop(), fixture?.stop()]);
  });

  it('sends the security headers on pages, redirects and assets', async () => {
    const login = await fetch(`${base}/admin/login`);
    const anon = await fetch(`${base}/admin`, { redirect: 'manual' });
    const html = await login.text();
    const asset = /href="(\/admin\/assets\/[^"]+\.css)"/.exec(html)![1];
    const css = await fetch(`${base}${asset}`);
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/admin/login');
    for (const r of [login, anon, css]) {
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(css.headers.get('content-type')).toContain('text/css');
    // No inline script, style or event handler anywhere in the markup.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('refuses a token without the admin scope (login form, cookie and header)', async () => {
    const reader = await minter.token({ sub: 'reader', scope: 'mcp:read mcp:call' });
    await page.goto(`${base}/admin`);
    await expect.poll(() => page.url()).toBe(`${base}/admin/login`);
    await page.fill('#token', reader);
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain("needs the 'admin' scope");
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-login-refused.png') });
    expect((await ctx.cookies(`${base}/admin`)).map((c) => c.name)).not.toContain('edgehub_admin');

    const viaCookie = await fetch(`${base}/admin`, { headers: { cookie: `edgehub_admin=${reader}` }, redirect: 'manual' });
    expect(viaCookie.status).toBe(403);
    expect(await viaCookie.text()).toContain('scope');
    const viaHeader = await fetch(`${base}/admin/sessions`, { headers: bearer(reader), redirect: 'manual' });
    expect(viaHeader.status).toBe(403);
    // A forged or expired cookie is dropped and the browser sent to the login page.
    const expired = await minter.token({ scope: 'admin', now: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
    const stale = await fetch(`${base}/admin`, { headers: { cookie: `edgehub_admin=${expired}` }, redirect: 'manual' });
    expect(stale.status).toBe(303);
    expect(stale.headers.get('location')).toBe('/admin/login');
    expect(stale.headers.get('set-cookie')).toMatch(/edgehub_admin=;.*Max-Age=0/);
  });

  it('logs in, shows the servers, checks them, disables one and shows the audit entry', async () => {
    const adminToken = await minter.token({ sub: 'alice', scope: 'admin mcp:read' });
    await page.goto(`${base}/admin/login`);
    await page.fill('#token', `Bearer ${adminToken}`);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/admin`);
    expect(await page.textContent('.flash.ok')).toContain('Signed in as alice');

    const cookie = (await ctx.cookies(`${base}/admin`)).find((c) => c.name === 'edgehub_admin')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000);

    const row = (name: string) => page.locator(`tr[data-server="${name}"]`);
    await expect.poll(() => row('git').count()).toBe(1);
    expect(await row('fixture').locator('[data-col=state]').textContent()).toContain('unchecked');
    expect(await page.textContent('[data-testid=config-version]')).toMatch(/v\d+/);
    const versionBefore = Number(/v(\d+)/.exec((await page.textContent('[data-testid=config-version]'))!)![1]);

    await page.click('form[action="/admin/check"] button');
    await page.waitForSelector('.flash');
    expect(await page.textContent('.flash')).toMatch(/Checked 2 servers: 2 up/);
    expect(await row('fixture').locator('[data-col=state]').textContent()).toContain('up');
    expect(Number(await row('fixture').locator('[data-col=tools]').textContent())).toBeGreaterThan(0);
    expect(await row('fixture').locator('[data-col=latency]').textContent()).toMatch(/^\d+ ms$/);

    // MCP traffic through the gateway: the fixture's breaker is reported (closed) and the session is listed.
    await mcpSession(await minter.token({ sub: 'carol', scope: 'mcp:read mcp:call' }));
    await expect
      .poll(
        async () => {
          await page.reload();
          return row('fixture').locator('[data-col=breaker]').textContent();
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe('closed');
    expect(await page.textContent('[data-testid=sessions]')).toBe('1');

    // Disable: the page script asks for confirmation (dialog accepted above), proving it runs under the CSP.
    let asked = '';
    page.once('dialog', (d) => void (asked = d.message()));
    await row('fixture').locator('form[action$="/disable"] button').click();
    await page.waitForSelector('tr[data-server="fixture"] form[action$="/enable"]');
    expect(asked).toContain("Disable server 'fixture'?");
    expect(await page.textContent('.flash.ok')).toContain(`Server 'fixture' disabled (config v${versionBefore + 1})`);
    expect(await row('fixture').locator('[data-col=state]').textContent()).toContain('disabled');
    expect(await row('git').locator('[data-col=state]').textContent()).toContain('up');
    expect(await page.textContent('[data-testid=config-version]')).toContain(`v${versionBefore + 1}`);
    const entry = page.locator('#audit tbody tr').first();
    expect(await entry.textContent()).toContain('server.disable');
    expect(await entry.textContent()).toContain('fixture');
    expect(await entry.textContent()).toContain('alice');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

    await page.click('nav a[href="/admin/audit"]');
    expect(await page.locator('#audit tbody tr').count()).toBeGreaterThanOrEqual(3); // seed, add fixture, disable
    await page.click('nav a[href="/admin/sessions"]');
    expect(await page.textContent('h1')).toContain('Live sessions');
    expect(await page.textContent('#sessions')).toContain('carol');
    await page.click('nav a[href="/admin"]');
    expect(consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
  });

  it('never lets the login cookie authenticate the admin API', async () => {
    const adminToken = await minter.token({ scope: 'admin' });
    const r = await fetch(`${base}/admin/api/servers`, { headers: { cookie: `edgehub_admin=${adminToken}` } });
    expect(r.status).toBe(401);
  });

  it('refuses cross-site and token-less form posts (CSRF)', async () => {
    const adminToken = await minter.token({ scope: 'admin' });
    const { cookies, csrf } = await csrfSession(`edgehub_admin=${adminToken}`);
    const version = async () => (await (await fetch(`${base}/admin/api/servers`, { headers: bearer(adminToken) })).json()).version as number;
    const before = await version();
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${base}/admin/servers/fixture/enable`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    expect((await post({ origin: 'https://evil.example' }, `_csrf=${csrf}`)).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, `_csrf=${csrf}`)).status).toBe(403);
    expect((await post({}, `_csrf=${csrf}`)).status).toBe(403); // neither Origin nor Sec-Fetch-Site
    expect((await post({ origin: base }, '_csrf=wrong')).status).toBe(403);
    expect((await post({ origin: base }, '')).status).toBe(403);
    expect((await post({ origin: 'null', 'sec-fetch-site': 'cross-site' }, `_csrf=${csrf}`)).status).toBe(403); // sandboxed frame
    expect(await version()).toBe(before); // none of them landed
    expect((await post({ origin: base }, `_csrf=${csrf}`)).status).toBe(303);
  });

  it('cannot be framed by another origin', async () => {
    const port = await freePort();
    framer = createServer((_req, res) => res.end(`<!DOCTYPE html><title>framer</title><iframe id="f" src="${base}/admin/login"></iframe>`));
    await new Promise<void>((r) => framer.listen(port, '127.0.0.1', r));
    const p = await ctx.newPage();
    const lines: string[] = [];
    p.on('console', (m) => lines.push(m.text()));
    await p.goto(`http://127.0.0.1:${port}/`);
    await p.waitForTimeout(500);
    const child = p.frames().find((f) => f !== p.mainFrame())!;
    expect(child.url()).not.toContain('/admin/login');
    expect(lines.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
    await p.close();
  });

  it('logs out: cookie cleared, pages redirect to the login form', async () => {
    await page.goto(`${base}/admin`);
    await page.click('form[action="/admin/logout"] button');
    await page.waitForURL(`${base}/admin/login`);
    expect(await page.textContent('.flash')).toContain('Signed out');
    expect((await ctx.cookies(`${base}/admin`)).map((c) => c.name)).not.toContain('edgehub_admin');
    await page.goto(`${base}/admin/audit`);
    expect(page.url()).toBe(`${base}/admin/login`);
  });
});

describe('admin dashboard on the dev-open instance', () => {
  it('needs no login and shows the servers', async () => {
    const r = await fetch(`${inject('edgehubUrl')}/admin`, { redirect: 'manual' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await r.text();
    expect(html).toContain('dev-open (local developer)');
    expect(html).toContain('data-server="git"');
    expect(html).not.toContain('/admin/logout');
    const login = await fetch(`${inject('edgehubUrl')}/admin/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
  });
});
