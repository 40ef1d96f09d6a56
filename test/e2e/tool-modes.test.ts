// Tool search, code mode and profiles (README "Tool search, code mode and profiles") on both lanes,
// against the shared dev-open `wrangler dev`, with raw JSON-RPC (byte comparisons) and the SDK clients.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../helpers/admin';
import { cliRunner } from '../helpers/cli';
import { type Lane, legacyLane, modernLane } from '../helpers/lanes';
import { openListen } from '../helpers/listen-stream';

const base = () => inject('edgehubUrl');
const LANES: [string, (url: string) => Promise<Lane>][] = [
  ['legacy', (u) => legacyLane(u)],
  ['modern', async (u) => modernLane(u)],
];
const repo = `modes-${Date.now().toString(36)}`;

/** A 2026 `subscriptions/listen` stream on `url` gets tools/list_changed when `change` lands. */
async function listenSeesChange(url: string, change: () => Promise<{ status: number }>) {
  const listen = await openListen(url, 9);
  await listen.read(/subscriptions\/acknowledged/);
  expect((await change()).status).toBe(200);
  await listen.read(/tools\/list_changed/);
  listen.close();
  expect(listen.text()).toMatch(/notifications\/tools\/list_changed/);
}

/** A bare 2025-11-25 initialize POST (to see how a view refuses one). */
function initializeAt(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    }),
  });
}

async function call(lane: Lane, name: string, args: Record<string, unknown>) {
  const r = await lane.send('tools/call', { name, arguments: args });
  if (r.json.error) throw new Error(`${name}: ${r.json.error.message}`);
  return r.json.result;
}

beforeAll(async () => {
  const full = await legacyLane(`${base()}/mcp`);
  await call(full, 'git_init', { repo_path: repo });
  await call(full, 'git_write_file', { repo_path: repo, path: 'a.txt', content: 'a\n' });
});

describe.each(LANES)('search mode, %s lane', (laneName, open) => {
  it('lists only the two meta tools; search finds the commit tool for plain words', async () => {
    const lane = await open(`${base()}/mcp?mode=search`);
    const list = (await lane.send('tools/list', {})).json.result;
    expect(list.tools.map((t: { name: string }) => t.name)).toEqual(['hub_search_tools', 'hub_call_tool']);
    const found = await call(lane, 'hub_search_tools', { query: 'commit what I staged' });
    const names = found.structuredContent.tools.map((t: { name: string }) => t.name);
    expect(names.slice(0, 5)).toContain('git_commit');
    const commit = found.structuredContent.tools.find((t: { name: string }) => t.name === 'git_commit');
    expect(commit.server).toBe('git');
    expect(commit.inputSchema.properties.message).toBeDefined();
    expect(JSON.parse(found.content[0].text)).toEqual(found.structuredContent);
    // The hub's own tools are found like any other; `server` narrows.
    const hub = await call(lane, 'hub_search_tools', { query: 'which servers are mounted and healthy', server: 'hub' });
    expect(hub.structuredContent.tools.every((t: { server: string }) => t.server === 'hub')).toBe(true);
    expect(hub.structuredContent.tools.map((t: { name: string }) => t.name)).toContain('hub_status');
    // Bad arguments are tool errors with a reason.
    const bad = await call(lane, 'hub_search_tools', { query: 'x', limit: 21 });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/limit must be an integer from 1 to 20/);
  });

  it('hub_call_tool answers byte for byte what the direct call answers', async () => {
    const lane = await open(`${base()}/mcp?mode=search`);
    const direct = await lane.send('tools/call', { name: 'git_status', arguments: { repo_path: repo } }, 7);
    const via = await lane.send('tools/call', { name: 'hub_call_tool', arguments: { name: 'git_status', arguments: { repo_path: repo } } }, 7);
    expect(direct.json.result.content[0].text).toMatch(/a\.txt/);
    expect(via.text).toBe(direct.text);
    expect(via.status).toBe(direct.status);
    // An unknown tool is the same protocol error either way.
    const d2 = await lane.send('tools/call', { name: 'git_nope', arguments: {} }, 8);
    const v2 = await lane.send('tools/call', { name: 'hub_call_tool', arguments: { name: 'git_nope', arguments: {} } }, 8);
    expect(d2.json.error.code).toBe(-32602);
    expect(v2.text).toBe(d2.text);
  });

  it(`mode=bogus is refused with the allowed values (${laneName})`, async () => {
    const r = await initializeAt(`${base()}/mcp?mode=bogus`);
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/mode must be one of full, search, code/);
  });
});

describe.each(LANES)('code mode, %s lane', (_laneName, open) => {
  it('lists search + execute; search results carry TypeScript declarations', async () => {
    const lane = await open(`${base()}/mcp?mode=code`);
    const list = (await lane.send('tools/list', {})).json.result;
    expect(list.tools.map((t: { name: string }) => t.name)).toEqual(['hub_search_tools', 'hub_code_execute']);
    const found = await call(lane, 'hub_search_tools', { query: 'status of the working tree', limit: 3 });
    const st = found.structuredContent.tools.find((t: { name: string }) => t.name === 'git_status');
    expect(st.declaration).toMatch(/^\/\*\*.*\*\/\ngit_status\(args: \{\n.*repo_path: string;/s);
    expect(found.structuredContent.types).toMatch(/type ToolResult/);
  });

  it('chains three calls and returns JSON; console output comes back as logs', async () => {
    const lane = await open(`${base()}/mcp?mode=code`);
    const code = `
      await tools.git_write_file({ repo_path: ${JSON.stringify(repo)}, path: 'b.txt', content: 'b\\n' });
      await tools.call('git_add', { repo_path: ${JSON.stringify(repo)}, files: ['b.txt'] });
      const st = await tools.git_status({ repo_path: ${JSON.stringify(repo)} });
      console.log('staged', 1, { ok: true });
      return { staged: st.content[0].text.includes('b.txt'), n: 3 };`;
    const r = await call(lane, 'hub_code_execute', { code });
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual({ result: { staged: true, n: 3 }, logs: ['staged 1 {"ok":true}'], calls: 3 });
  });

  it('fetch() from code fails; a thrown error and a syntax error are error results', async () => {
    const lane = await open(`${base()}/mcp?mode=code`);
    const r = await call(lane, 'hub_code_execute', {
      code: `try { await fetch('${base()}/health'); return 'fetched'; } catch (e) { return String(e); }`,
    });
    expect(r.structuredContent.result).toMatch(/not permitted to access the internet/);
    const thrown = await call(lane, 'hub_code_execute', { code: `throw new Error('boom')` });
    expect(thrown.isError).toBe(true);
    expect(thrown.structuredContent.error).toBe('Error: boom');
    const syntax = await call(lane, 'hub_code_execute', { code: `return {` });
    expect(syntax.isError).toBe(true);
    expect(syntax.structuredContent.error).toMatch(/could not run/);
    const unknown = await call(lane, 'hub_code_execute', { code: `return await tools.git_nope({})` });
    expect(unknown.structuredContent.error).toMatch(/Unknown tool: git_nope/);
  });

  it('holds the call limit: the 101st call fails', async () => {
    const lane = await open(`${base()}/mcp?mode=code`);
    const r = await call(lane, 'hub_code_execute', { code: `let i = 0; for (; i < 101; i++) await tools.hub_list_kits({}); return i;` });
    expect(r.isError).toBe(true);
    expect(r.structuredContent.error).toMatch(/tool call limit reached: at most 100/);
    expect(r.structuredContent.calls).toBe(100);
  });

  it('holds the result and log limits: over 1 MiB of JSON is an error naming the limit; logs are capped', async () => {
    const lane = await open(`${base()}/mcp?mode=code`);
    const big = await call(lane, 'hub_code_execute', { code: `return 'x'.repeat(1024 * 1024);` });
    expect(big.isError).toBe(true);
    expect(big.structuredContent.error).toMatch(/result too large: 1048578 bytes of JSON, the limit is 1048576/);
    const fits = await call(lane, 'hub_code_execute', { code: `return 'x'.repeat(1024 * 1024 - 2).length;` });
    expect(fits.structuredContent.result).toBe(1024 * 1024 - 2);
    const chatty = await call(lane, 'hub_code_execute', { code: `for (let i = 0; i < 500; i++) console.log('line', i); return 1;` });
    expect(chatty.structuredContent.logs).toHaveLength(201);
    expect(chatty.structuredContent.logs[200]).toMatch(/300 more log lines dropped/);
  });
});

describe('profiles', () => {
  const profile = {
    servers: ['git'],
    exclude: ['git_push', 'git_pull'],
    tools: { git_commit: { name: 'save_work', description: 'Record my staged work in the history' }, git_rm: { hidden: true } },
  };
  beforeAll(async () => {
    expect((await admin(base(), 'PUT', '/profiles/coder', profile)).status).toBe(200);
    expect((await admin(base(), 'PUT', '/profiles/finder', { ...profile, mode: 'search' })).status).toBe(200);
  });
  afterAll(async () => {
    await admin(base(), 'DELETE', '/profiles/coder');
    await admin(base(), 'DELETE', '/profiles/finder');
  });

  it('refuses a bad profile with the field, versions a good one', async () => {
    const bad = await admin(base(), 'PUT', '/profiles/bad', { tools: { a: { name: 'x' }, b: { name: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/profiles\.bad\.tools\.b\.name: alias 'x' is already used for 'a'/);
    const typo = await admin(base(), 'PUT', '/profiles/bad', { exlude: ['git_push'] });
    expect(typo.status).toBe(400);
    expect(typo.json.message).toMatch(/profiles\.bad: Unrecognized key: "exlude"/);
    const mode = await admin(base(), 'PUT', '/profiles/bad', { mode: 'turbo' });
    expect(mode.status).toBe(400);
    expect(mode.json.field).toBe('profiles.bad.mode');
    const got = await admin(base(), 'GET', '/profiles/coder');
    expect(got.json.tools.git_rm.hidden).toBe(true);
    expect((await admin(base(), 'GET', '/profiles/none')).status).toBe(404);
  });

  it.each(LANES)('hides, renames and re-describes tools (%s lane)', async (_n, open) => {
    const lane = await open(`${base()}/mcp/p/coder`);
    const tools = (await lane.send('tools/list', {})).json.result.tools as { name: string; description: string }[];
    const names = tools.map((t) => t.name);
    expect(names).toContain('save_work');
    expect(names).toContain('git_status');
    for (const gone of ['git_commit', 'git_rm', 'git_push', 'git_pull', 'hub_status']) expect(names).not.toContain(gone);
    expect(tools.find((t) => t.name === 'save_work')?.description).toBe('Record my staged work in the history');
    // The alias calls the original; hidden and original names are unknown, as any unknown tool.
    const saved = await call(lane, 'save_work', { repo_path: repo, message: `via alias ${lane.name}` });
    expect(saved.isError).toBeUndefined();
    const hidden = await lane.send('tools/call', { name: 'git_rm', arguments: { repo_path: repo, files: ['a.txt'] } });
    expect(hidden.json.error.code).toBe(-32602);
    expect(hidden.json.error.message).toBe('Unknown tool: git_rm');
  });

  it.each(LANES)("a profile's mode applies, and aliases feed the search index (%s lane)", async (_n, open) => {
    const lane = await open(`${base()}/mcp/p/finder`);
    const tools = (await lane.send('tools/list', {})).json.result.tools as { name: string }[];
    expect(tools.map((t) => t.name)).toEqual(['hub_search_tools', 'hub_call_tool']);
    const found = await call(lane, 'hub_search_tools', { query: 'record my work in the history' });
    const names = found.structuredContent.tools.map((t: { name: string }) => t.name);
    expect(names[0]).toBe('save_work');
    expect(names).not.toContain('git_commit');
    expect(names).not.toContain('hub_status');
    // ?mode= wins over the profile's mode.
    const full = await open(`${base()}/mcp/p/finder?mode=full`);
    expect(((await full.send('tools/list', {})).json.result.tools as unknown[]).length).toBeGreaterThan(10);
  });

  it('an unknown profile is 404 with its name, on both lanes (legacy: at initialize)', async () => {
    const lane = modernLane(`${base()}/mcp/p/nope`);
    const r = await lane.send('tools/list', {});
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/profile 'nope' does not exist/);
    const init = await initializeAt(`${base()}/mcp/p/nope`);
    expect(init.status).toBe(404);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect((await init.json()).error.message).toMatch(/profile 'nope' does not exist/);
  });

  it('a profile change reaches a live legacy session and a 2026 listen stream (list_changed), and the next lists', async () => {
    const client = new Client({ name: 'e2e-profile', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp/p/coder`)));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    // Opens the GET stream the notification travels on.
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('git_rm');
    await new Promise((r) => setTimeout(r, 300));
    const put = await admin(base(), 'PUT', '/profiles/coder', { ...profile, tools: { ...profile.tools, git_rm: { description: 'Untrack files' } } });
    expect(put.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (changed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(changed).toBeGreaterThan(0);
    const after = (await client.listTools()).tools;
    expect(after.find((t) => t.name === 'git_rm')?.description).toBe('Untrack files');
    await client.close();
    await listenSeesChange(`${base()}/mcp/p/coder`, () =>
      admin(base(), 'PUT', '/profiles/coder', { ...profile, tools: { ...profile.tools, git_rm: { description: 'Untrack files (v2)' } } }),
    );
    const v2 = await import('@modelcontextprotocol/client');
    const modern = new v2.Client({ name: 'e2e-v2', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new v2.StreamableHTTPClientTransport(new URL(`${base()}/mcp/p/coder`)));
    expect((await modern.listTools()).tools.find((t) => t.name === 'git_rm')?.description).toBe('Untrack files (v2)');
    await modern.close();
  });
});

describe('edgehub profiles (CLI)', () => {
  const home = mkdtempSync(join(tmpdir(), 'edgehub-cli-profiles-'));
  const cli = cliRunner(base, home);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('set from a file, list, info, a bad file named by field (exit ≠ 0), rm', async () => {
    const file = join(home, 'ops.json');
    writeFileSync(file, JSON.stringify({ servers: ['hub'], exclude: ['hub_*_kit*'], mode: 'search' }));
    const set = await cli(['profiles', 'set', 'ops', file]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^saved profile 'ops' \(config version \d+\)$/m);
    const list = await cli(['profiles', 'list']);
    expect(list.stdout).toMatch(/^ops\s+search\s+hub\s+-\s+hub_\*_kit\*/m);
    const info = await cli(['profiles', 'info', 'ops', '--json']);
    expect(info.json).toEqual({ name: 'ops', servers: ['hub'], exclude: ['hub_*_kit*'], mode: 'search' });
    const lane = modernLane(`${base()}/mcp/p/ops`);
    const found = await call(lane, 'hub_search_tools', { query: 'load a kit of servers', limit: 20 });
    expect(found.structuredContent.tools.map((t: { name: string }) => t.name)).not.toContain('hub_load_kit');
    writeFileSync(file, JSON.stringify({ mode: 'fast' }));
    const bad = await cli(['profiles', 'set', 'ops', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/profiles\.ops\.mode/);
    const rm = await cli(['profiles', 'rm', 'ops']);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await cli(['profiles', 'info', 'ops'])).code).not.toBe(0);
  });
});

describe('dashboard: Profiles page', () => {
  it('lists profiles, saves one from the form (versioned), refuses a bad one with its field, removes one', async () => {
    const page = await fetch(`${base()}/admin/profiles`);
    expect(page.status).toBe(200);
    const csrf = /edgehub_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] as string;
    expect(await page.text()).toMatch(/<h1>Profiles<\/h1>/);
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${base()}/admin${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base(), cookie: `edgehub_csrf=${csrf}` },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
    const flash = (r: Response) => decodeURIComponent(/edgehub_flash=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1] ?? '');
    const before = (await admin(base(), 'GET', '/profiles')).json.version;
    const saved = await post('/profiles', { name: 'web-ui', profile: JSON.stringify({ servers: ['git'], mode: 'code' }) });
    expect(saved.status).toBe(303);
    expect(flash(saved)).toMatch(/Profile 'web-ui' saved \(config v\d+\)/);
    expect((await admin(base(), 'GET', '/profiles')).json.version).toBe(before + 1);
    const html = await (await fetch(`${base()}/admin/profiles`, { headers: { cookie: `edgehub_csrf=${csrf}` } })).text();
    expect(html).toMatch(/data-profile="web-ui"/);
    const bad = await post('/profiles', { name: 'web-ui', profile: JSON.stringify({ mode: 'fast' }) });
    expect(flash(bad)).toMatch(/Could not save 'web-ui': profiles\.web-ui\.mode/);
    const notJson = await post('/profiles', { name: 'web-ui', profile: '{oops' });
    expect(flash(notJson)).toMatch(/not valid JSON/);
    const removed = await post('/profiles/web-ui/delete', {});
    expect(flash(removed)).toMatch(/Profile 'web-ui' removed/);
    expect((await admin(base(), 'GET', '/profiles/web-ui')).status).toBe(404);
    // A form without the CSRF token changes nothing.
    const forged = await fetch(`${base()}/admin/profiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: new URLSearchParams({ name: 'evil', profile: '{}' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect((await admin(base(), 'GET', '/profiles/evil')).status).toBe(404);
  });
});
