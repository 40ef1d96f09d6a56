// Magg's worst defect (seed magg#1) made impossible: 20 sessions make 2,000 tool calls while 100
// config changes land (prefix swaps, disable/enable, add/remove). Every result names the config
// version that served it, and its routing must match that version exactly.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { admin, restoreConfig } from '../helpers/admin';
import { type Proc, startFixture } from '../helpers/procs';

const base = () => inject('edgehubUrl');
const SESSIONS = 20;
const CALLS = 100;
const CHANGES = 100;
const TOOLS = ['a_whoami', 'b_whoami', 'c_whoami'];

let fx: Proc[] = [];
let original: any;

beforeAll(async () => {
  fx = await Promise.all(['alpha', 'beta', 'gamma'].map((n) => startFixture(n)));
  original = (await admin(base(), 'GET', '/config')).json;
}, 60_000);

afterAll(async () => {
  await restoreConfig(base(), original);
  await Promise.all(fx.map((p) => p.stop()));
});

type Servers = Record<string, { uri: string; prefix: string; enabled: boolean }>;

/** The next config in a deterministic sequence of adversarial changes. */
function step(i: number, s: Servers): Servers {
  const next: Servers = JSON.parse(JSON.stringify(s));
  switch (i % 4) {
    case 0: // swap alpha and beta prefixes in one atomic change
      [next.alpha.prefix, next.beta.prefix] = [next.beta.prefix, next.alpha.prefix];
      break;
    case 1:
      next.beta.enabled = !next.beta.enabled;
      break;
    case 2:
      if (next.gamma) delete next.gamma;
      else next.gamma = { uri: `${fx[2].url}/mcp`, prefix: 'c', enabled: true };
      break;
    default:
      next.alpha.enabled = !next.alpha.enabled;
  }
  return next;
}

/** prefix → server name that answers it in a config (absent = unknown tool). */
function routing(s: Servers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, e] of Object.entries(s)) if (e.enabled) out[e.prefix] = name;
  return out;
}

it('2,000 calls during 100 config changes: every result routed by the version that served it', { timeout: 300_000 }, async () => {
  const byVersion = new Map<number, Record<string, string>>();
  let servers: Servers = {
    alpha: { uri: `${fx[0].url}/mcp`, prefix: 'a', enabled: true },
    beta: { uri: `${fx[1].url}/mcp`, prefix: 'b', enabled: true },
  };
  const put = async (s: Servers) => {
    const cur = await admin(base(), 'GET', '/config');
    const r = await admin(base(), 'PUT', '/config', { ...original, servers: { ...original.servers, ...s } }, { 'if-match': cur.headers.get('etag')! });
    expect(r.status, r.text).toBe(200);
    byVersion.set(r.json.version, routing(s));
  };
  await put(servers);

  const clients = await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const c = new Client({ name: 'race', version: '1' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp`)));
      return c;
    }),
  );

  const results: { tool: string; version: number; answer: string | null }[] = [];
  const otherErrors: string[] = [];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

  const callers = clients.map(async (c) => {
    for (let i = 0; i < CALLS; i++) {
      const tool = TOOLS[Math.floor(rand() * TOOLS.length)];
      try {
        const r = await c.callTool({ name: tool, arguments: {} });
        const version = (r._meta as Record<string, number>)['io.edgehub/configVersion'];
        if (r.isError) otherErrors.push(`${tool}@${version}: ${JSON.stringify(r.content)}`);
        else results.push({ tool, version, answer: (r.content as { text: string }[])[0].text });
      } catch (e) {
        if (e instanceof McpError && e.code === -32602 && /Unknown tool/.test(e.message))
          results.push({ tool, version: (e.data as { configVersion: number }).configVersion, answer: null });
        else otherErrors.push(`${tool}: ${e instanceof Error ? e.message : e}`);
      }
    }
  });
  const changer = (async () => {
    for (let i = 0; i < CHANGES; i++) {
      servers = step(i, servers);
      await put(servers);
    }
  })();
  await Promise.all([...callers, changer]);

  const inconsistent = results.filter((r) => {
    const map = byVersion.get(r.version);
    if (!map) return true;
    const expected = map[r.tool.split('_')[0]] ?? null;
    return expected !== r.answer;
  });
  expect(otherErrors).toEqual([]);
  expect(results.length).toBe(SESSIONS * CALLS);
  expect(inconsistent.slice(0, 5)).toEqual([]);
  // The run must really have spanned many versions, or it proves nothing.
  expect(new Set(results.map((r) => r.version)).size).toBeGreaterThan(10);
  await Promise.all(clients.map((c) => c.close()));
});
