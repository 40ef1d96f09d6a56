// MCP Apps (io.modelcontextprotocol/ui) through edgehub: an app server built with
// @modelcontextprotocol/ext-apps (test/fixtures/app-server.mjs) mounted under prefix `clock`.
// A host lists tools, finds the view under the server's namespace, reads it through edgehub, and
// the view (a real ext-apps `App` behind a real `AppBridge`, linked in memory instead of an
// iframe) calls its server's tools by their own names through the gateway.
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startNode } from '../helpers/procs';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
let app: Proc;

beforeAll(async () => {
  app = await startNode(join(ROOT, 'test', 'fixtures', 'app-server.mjs'), ['--port', '{port}', '--name', 'clock-app'], {
    ready: (_p, out) => /LISTENING \d+/.test(out),
  });
  await mount(base(), 'clock', { uri: `${app.url}/mcp`, prefix: 'clock' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/clock');
  await app?.stop();
});

describe('MCP Apps through edgehub', () => {
  it('exposes ui:// views under the server namespace and rewrites every resourceUri (legacy key too)', async () => {
    const client = new Client({ name: 'apps-host', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    const { tools } = await client.listTools();
    const getTime = tools.find((t) => t.name === 'clock_get-time')!;
    expect(getTime._meta).toEqual({ ui: { resourceUri: 'ui://clock/clock/view.html' }, 'ui/resourceUri': 'ui://clock/clock/view.html' });
    expect(getTime.title).toBe('Current time');
    const tick = tools.find((t) => t.name === 'clock_tick')!;
    expect(tick._meta).toEqual({ ui: { resourceUri: 'ui://clock/clock/view.html', visibility: ['app'] }, 'ui/resourceUri': 'ui://clock/clock/view.html' });
    expect(tools.find((t) => t.name === 'clock_legacy-view')!._meta).toEqual({ 'ui/resourceUri': 'ui://clock/clock/legacy.html' });

    const { resources } = await client.listResources();
    const view = resources.find((r) => r.uri === 'ui://clock/clock/view.html')!;
    expect(view).toMatchObject({ name: 'Clock view', mimeType: 'text/html;profile=mcp-app', _meta: { ui: { prefersBorder: true } } });

    // The host fetches the view named by the tool, through edgehub.
    const read = await client.readResource({ uri: (getTime._meta as any).ui.resourceUri });
    expect(read.contents).toHaveLength(1);
    expect(read.contents[0]).toMatchObject({
      uri: 'ui://clock/clock/view.html',
      mimeType: 'text/html;profile=mcp-app',
      _meta: { ui: { csp: { connectDomains: [] } } },
    });
    expect((read.contents[0] as { text: string }).text).toContain('clock view of clock-app');
    const legacy = await client.readResource({ uri: 'ui://clock/clock/legacy.html' });
    expect((legacy.contents[0] as { text: string }).text).toContain('legacy');
    await client.close();
  });

  it("the view's calls (its server's own tool names) come back through the gateway (AppBridge + App, 2026 lane)", async () => {
    const v2 = await import('@modelcontextprotocol/client');
    const { AppBridge } = await import('@modelcontextprotocol/ext-apps/app-bridge');
    const { App } = await import('@modelcontextprotocol/ext-apps');
    const client = new v2.Client({ name: 'apps-host-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new v2.StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');

    const listed = await client.listTools();
    const uri = (listed.tools.find((t) => t.name === 'clock_get-time')!._meta as any).ui.resourceUri;
    const html = await client.readResource({ uri });
    expect((html.contents[0] as { text: string }).text).toContain('clock view');

    const [hostSide, viewSide] = v2.InMemoryTransport.createLinkedPair();
    const bridge = new AppBridge(client as never, { name: 'e2e-host', version: '1.0.0' }, { serverTools: {}, serverResources: {} });
    await bridge.connect(hostSide as never);
    const view = new App({ name: 'clock-view', version: '1.0.0' }, {}, { autoResize: false }); // no DOM here
    await view.connect(viewSide as never);

    const first = await view.callServerTool({ name: 'tick', arguments: {} });
    expect(first.isError).toBeFalsy();
    expect(JSON.stringify(first.content)).toMatch(/tick \d+ from clock-app/);
    const time = await view.callServerTool({ name: 'get-time', arguments: { zone: 'CET' } });
    expect(time.structuredContent).toEqual({ time: '2026-12-05T12:00:00Z', zone: 'CET', server: 'clock-app' });
    // The view reads its server's resources by its own URIs too (here one whose first segment is
    // also the server's name: the exposed URI would be ui://clock/clock/legacy.html).
    const own = await view.readServerResource({ uri: 'ui://clock/legacy.html' });
    expect((own.contents[0] as { text: string }).text).toContain('legacy');
    // The exposed name works as well, and an unknown name is still a protocol error.
    const exposed = await view.callServerTool({ name: 'clock_tick', arguments: {} });
    expect(JSON.stringify(exposed.content)).toContain('from clock-app');
    await expect(view.callServerTool({ name: 'no-such-tool', arguments: {} })).rejects.toThrow(/Unknown tool/);
    await view.close();
    await bridge.close();
    await client.close();
  });

  it('a 2025 host forwards a view call by its own name on the legacy lane too', async () => {
    const client = new Client({ name: 'apps-host-2025', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
    const r = await client.callTool({ name: 'tick', arguments: {} });
    expect(JSON.stringify(r.content)).toMatch(/tick \d+ from clock-app/);
    await client.close();
  });
});
