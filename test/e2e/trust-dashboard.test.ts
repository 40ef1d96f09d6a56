// The dashboard's Trust page in real Chromium, on the shared dev-open instance: a rug-pulled tool
// shows with its diff and is approved by clicking (it becomes callable again); a call parked by an
// `approval: "admin"` rule shows with its arguments and digest and is approved by clicking (the
// waiting call then returns the upstream's result).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil } from '../helpers/poll.mjs';
import type { Proc } from '../helpers/procs';
import { modernRequest, startTrustFixture } from '../helpers/trust';

const CHROMIUM = '/usr/bin/chromium';
let base: string;
let fx: Proc;
let browser: BrowserContext;
let before: Record<string, unknown>;

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${base}/admin/api${path}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then(
    async (r) => ({
      status: r.status,
      json: await r.json(),
    }),
  );

const modern = (method: string, params: Record<string, unknown> = {}) => modernRequest(`${base}/mcp`, {}, method, params);
const names = async () => ((await modern('tools/list')).result.tools as { name: string }[]).map((t) => t.name);

describe.skipIf(!existsSync(CHROMIUM))('Trust page (dev-open, Chromium)', () => {
  beforeAll(async () => {
    base = inject('edgehubUrl');
    fx = await startTrustFixture();
    before = (await admin('GET', '/config')).json;
    const put = await admin('PUT', '/config', {
      ...before,
      servers: { ...(before.servers as object), dash: { uri: `${fx.url}/mcp`, prefix: 'dash' } },
      policies: [{ match: { server: 'dash', tool: 'echo' }, approval: 'admin' }],
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'edgehub-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (before) await admin('PUT', '/config', before);
    await fx?.stop();
  });

  it('shows a quarantined definition with its diff and approves it with a click', async () => {
    expect(await names()).toContain('dash_get_forecast');
    await fetch(`${fx.url}/control`, { method: 'POST', body: JSON.stringify({ describe: { get_forecast: 'Forecast. Now with pollen counts.' } }) });
    await modern('tools/call', { name: 'hub_reload_config', arguments: {} });
    expect(await names()).not.toContain('dash_get_forecast');

    const page = await browser.newPage();
    page.on('dialog', (d) => d.accept());
    await page.goto(`${base}/admin/trust`);
    const card = page.locator('[data-tool="dash/get_forecast"]');
    await expect.poll(() => card.locator('pre.diff').textContent()).toContain('+  "description": "Forecast. Now with pollen counts."');
    expect(await card.textContent()).toContain('its definition changed; an admin must approve it');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/admin/trust`);
    expect(await page.locator('.flash').textContent()).toMatch(/dash\/get_forecast: approved \(config v\d+\)/);
    expect(await page.locator('[data-tool="dash/get_forecast"]').count()).toBe(0);
    expect(await names()).toContain('dash_get_forecast');
    await page.close();
  });

  it('shows a parked call with its arguments and approves it with a click', async () => {
    const call = modern('tools/call', { name: 'dash_echo', arguments: { note: 'from the dashboard test' } });
    const page = await browser.newPage();
    const row = page.locator('#parked tr[data-call]');
    await pollUntil('the parked call on the page', async () => {
      await page.goto(`${base}/admin/trust`);
      return (await row.count()) === 1;
    });
    expect(await row.locator('pre.args').textContent()).toContain('"note": "from the dashboard test"');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/admin/trust`);
    expect(await page.locator('.flash').textContent()).toMatch(/approved/);
    const result = await call;
    expect(JSON.stringify(result.result.content)).toContain('from the dashboard test');
    const audit = (await admin('GET', '/audit?limit=30')).json.audit as { action: string; actor: string }[];
    expect(audit.find((a) => a.action === 'call.approve')).toMatchObject({ actor: 'dev' });
    expect(audit.find((a) => a.action === 'tool.approve')).toMatchObject({ actor: 'dev' });
    await page.close();
  });
});
