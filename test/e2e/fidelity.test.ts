// Pass-through fidelity: what a server says reaches the client unchanged through edgehub — titles,
// icons, annotations, outputSchema/structuredContent, content annotations, resource links and
// embedded resources, prompts — compared field by field with the same calls made directly, on both
// lanes (SDK 1.x on 2025-11-25, SDK v2 on 2026-07-28). The only differences allowed are edgehub's
// names: `{prefix}_{name}` and namespaced resource URIs (so links stay readable through edgehub).
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startEverything, startNode } from '../helpers/procs';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
let ev: Proc;
let app: Proc;

interface Mcp {
  listTools(): Promise<any>;
  listPrompts(): Promise<any>;
  listResources(): Promise<any>;
  listResourceTemplates(): Promise<any>;
  callTool(p: any): Promise<any>;
  getPrompt(p: any): Promise<any>;
  readResource(p: any): Promise<any>;
  close(): Promise<void>;
}

async function sdk1(url: string): Promise<Mcp> {
  const c = new Client({ name: 'fidelity', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c as unknown as Mcp;
}
async function sdk2(url: string, expectModern: boolean): Promise<Mcp> {
  const v2 = await import('@modelcontextprotocol/client');
  const c = new v2.Client({ name: 'fidelity-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new v2.StreamableHTTPClientTransport(new URL(url)));
  if (expectModern) expect(c.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  return c as unknown as Mcp;
}

/** A direct value as edgehub exposes it: server URIs namespaced, clock times masked. */
function exposed(v: unknown, server: string): unknown {
  const json = JSON.stringify(v, (k, x) => {
    if (k === 'blob') return unblob(k, x);
    if (k === 'uri' && typeof x === 'string') return x.startsWith('ui://') ? `ui://${server}/${x.slice(5)}` : `edgehub://${server}/${x}`;
    if (k === 'ui/resourceUri' && typeof x === 'string') return `ui://${server}/${x.slice(5)}`;
    if (k === 'resourceUri' && typeof x === 'string') return `ui://${server}/${x.slice(5)}`;
    return x;
  });
  return JSON.parse(mask(json));
}
const mask = (s: string) => s.replace(/\d{1,2}:\d{2}:\d{2}\s?[AP]M/g, '<time>');
/** server-everything's dynamic resources carry the time they were made, also inside base64 blobs. */
const unblob = (k: string, x: unknown) => {
  if (k !== 'blob' || typeof x !== 'string') return x;
  const text = Buffer.from(x, 'base64').toString('utf8');
  return /^[\x20-\x7e\s]*$/.test(text) ? `base64 text: ${mask(text)}` : x;
};
/** Results without the envelope fields edgehub (or the 2026 wire) adds. */
function bare(r: any): any {
  const { _meta, resultType, ttlMs, cacheScope, nextCursor, ...rest } = r;
  return JSON.parse(mask(JSON.stringify(rest, unblob)));
}

beforeAll(async () => {
  ev = await startEverything();
  app = await startNode(join(ROOT, 'test', 'fixtures', 'app-server.mjs'), ['--port', '{port}', '--name', 'fid-app'], {
    ready: (_p, out) => /LISTENING \d+/.test(out),
  });
  await mount(base(), 'fid', { uri: `${ev.url}/mcp`, prefix: 'fid' });
  await mount(base(), 'fapp', { uri: `${app.url}/mcp`, prefix: 'fapp' });
}, 60_000);

afterAll(async () => {
  await admin(base(), 'DELETE', '/servers/fid');
  await admin(base(), 'DELETE', '/servers/fapp');
  await Promise.all([ev?.stop(), app?.stop()]);
});

const CALLS: [string, Record<string, unknown>][] = [
  ['get-resource-links', { count: 3 }],
  ['get-resource-reference', { resourceType: 'Text', resourceId: 2 }],
  ['get-annotated-message', { messageType: 'success', includeImage: true }],
  ['get-structured-content', { location: 'Chicago' }],
  ['get-tiny-image', {}],
];

for (const lane of ['2025-11-25 (SDK 1.x)', '2026-07-28 (SDK v2)'] as const) {
  const modern = lane.startsWith('2026');
  const open = (url: string, viaEdgehub: boolean) => (modern ? sdk2(url, viaEdgehub) : sdk1(url));

  describe(`pass-through fidelity, ${lane}`, () => {
    it('tool, prompt, resource and template definitions: every field but the name/URI', async () => {
      const [gw, direct, appDirect] = await Promise.all([open(`${base()}/mcp`, true), open(`${ev.url}/mcp`, false), open(`${app.url}/mcp`, false)]);
      const gwTools = (await gw.listTools()).tools as any[];
      for (const [d, server] of [
        [await direct.listTools(), 'fid'],
        [await appDirect.listTools(), 'fapp'],
      ] as const) {
        expect(d.tools.length).toBeGreaterThan(2);
        for (const t of d.tools) {
          const want: Record<string, unknown> = { ...(exposed(t, server) as Record<string, unknown>), name: `${server}_${t.name}` };
          if (modern) delete want.execution; // 2026-07-28 deleted Tool.execution (tasks are an extension there)
          expect(
            gwTools.find((g) => g.name === `${server}_${t.name}`),
            t.name,
          ).toEqual(want);
        }
      }
      if (modern) {
        // On the wire, not only after the SDK's parsing: no 2026 tool definition carries `execution`.
        const raw = await fetch(`${base()}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/list',
            params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
          }),
        }).then((r) => r.json() as Promise<any>);
        expect(raw.result.tools.some((t: { name: string }) => t.name === 'fid_echo')).toBe(true);
        expect(raw.result.tools.filter((t: Record<string, unknown>) => 'execution' in t)).toEqual([]);
      }
      const withIcons = gwTools.find((t) => t.name === 'fapp_get-time');
      expect(withIcons.icons).toEqual([{ src: 'https://example.com/clock.svg', mimeType: 'image/svg+xml', sizes: ['any'] }]);
      expect(withIcons.outputSchema.required).toEqual(['time', 'zone', 'server']);
      expect(gwTools.find((t) => t.name === 'fid_echo').title).toBeTruthy();

      const gwPrompts = (await gw.listPrompts()).prompts as any[];
      for (const p of (await direct.listPrompts()).prompts) expect(gwPrompts.find((g) => g.name === `fid_${p.name}`)).toEqual({ ...p, name: `fid_${p.name}` });
      const gwResources = (await gw.listResources()).resources as any[];
      const dResources = (await direct.listResources()).resources as any[];
      expect(dResources.length).toBeGreaterThan(0);
      for (const r of dResources) expect(gwResources).toContainEqual(exposed(r, 'fid'));
      const gwTemplates = (await gw.listResourceTemplates()).resourceTemplates as any[];
      for (const t of (await direct.listResourceTemplates()).resourceTemplates)
        expect(gwTemplates).toContainEqual({ ...t, uriTemplate: `edgehub://fid/${t.uriTemplate}` });
      await Promise.all([gw.close(), direct.close(), appDirect.close()]);
    });

    it('tool results: structuredContent, annotations, images, resource links and embedded resources', async () => {
      const [gw, direct] = await Promise.all([open(`${base()}/mcp`, true), open(`${ev.url}/mcp`, false)]);
      let links = 0;
      for (const [tool, args] of CALLS) {
        const viaGw = bare(await gw.callTool({ name: `fid_${tool}`, arguments: args }));
        const viaDirect = exposed(bare(await direct.callTool({ name: tool, arguments: args })), 'fid');
        expect(viaGw, tool).toEqual(viaDirect);
        // Every linked or embedded resource is readable through edgehub, with the server's contents.
        for (const block of viaGw.content) {
          const uri = block.type === 'resource_link' ? block.uri : block.type === 'resource' ? block.resource.uri : null;
          if (!uri) continue;
          links++;
          const read = bare(await gw.readResource({ uri }));
          const own = exposed(bare(await direct.readResource({ uri: uri.slice('edgehub://fid/'.length) })), 'fid');
          expect(read, uri).toEqual(own);
        }
      }
      expect(links).toBeGreaterThanOrEqual(4);
      await Promise.all([gw.close(), direct.close()]);
    });

    it('prompt results, embedded resources included', async () => {
      const [gw, direct] = await Promise.all([open(`${base()}/mcp`, true), open(`${ev.url}/mcp`, false)]);
      const args = { resourceType: 'Text', resourceId: '3' };
      const viaGw = bare(await gw.getPrompt({ name: 'fid_resource-prompt', arguments: args }));
      const viaDirect = exposed(bare(await direct.getPrompt({ name: 'resource-prompt', arguments: args })), 'fid');
      expect(JSON.stringify(viaGw)).toContain('edgehub://fid/demo://');
      expect(viaGw).toEqual(viaDirect);
      await Promise.all([gw.close(), direct.close()]);
    });
  });
}
