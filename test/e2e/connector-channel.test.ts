// A session's own channel to its connector (jwt mode, two tenants). The connector here is this
// test, speaking the wire protocol (src/mcp/connector-frames.mjs) over a real WebSocket, so it can
// see which path each message takes and try what an attacker would with a ticket:
// - with a channel, every message of the session goes over it and none over the connector's link;
// - a connector that never dials gets the session on its link once the offer runs out;
// - a ticket works once, only for the connector it was issued to, only in its tenant, only with
//   the connector scope, and not after its wait; every spelling of the route is checked the same.
import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_TICKET_HEADER, decodeFrame, FRAMES_CHANNELS, FRAMES_REPLIES, PING, sessionFrame } from '../../src/mcp/connector-frames.mjs';
import { type JwtDev, startJwtDev } from '../helpers/jwt-dev';
import { pollUntil } from '../helpers/poll.mjs';
import { bearer } from '../helpers/tokens';

let h: JwtDev;
const tokens: Record<string, string> = {};

/** What the scripted server answers: enough MCP for a client to list and call one tool. */
function answer(line: string): string | null {
  const m = JSON.parse(line);
  if (m.id === undefined || !m.method) return null;
  const result =
    m.method === 'initialize'
      ? { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } }
      : m.method === 'tools/list'
        ? { tools: [{ name: 'where', inputSchema: { type: 'object' } }] }
        : m.method === 'tools/call'
          ? { content: [{ type: 'text', text: 'answered' }] }
          : {};
  return JSON.stringify({ jsonrpc: '2.0', id: m.id, result });
}

interface Scripted {
  /** Every frame the edge sent on the link. */
  frames: string[];
  /** Channel tickets offered, in order. */
  tickets: string[];
  /** Lines the edge sent on channels. */
  channelLines: string[];
  close(): void;
}

/** A connector played by the test: answers on the link, and (`dial`) on each session's channel. */
async function scripted(name: string, token: string, dial: boolean): Promise<Scripted> {
  const ws = new WebSocket(`${h.base.replace(/^http/, 'ws')}/connect/${name}?frames=${FRAMES_REPLIES},${FRAMES_CHANNELS}`, {
    headers: bearer(token),
  } as unknown as string[]);
  const s: Scripted = { frames: [], tickets: [], channelLines: [], close: () => {} };
  const channels: WebSocket[] = [];
  const pinger = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(PING), 1_000);
  s.close = () => {
    clearInterval(pinger);
    for (const c of channels) c.close();
    ws.close();
  };
  ws.onmessage = (ev) => {
    const text = String(ev.data);
    if (text === 'pong') return;
    s.frames.push(text);
    const f = decodeFrame(text);
    if (f?.type === 'O') {
      const ticket = f.payload ? JSON.parse(f.payload).channel : undefined;
      if (ticket) s.tickets.push(ticket);
      if (ticket && dial) {
        const ch = new WebSocket(`${h.base.replace(/^http/, 'ws')}/connect/${name}/channel`, {
          headers: { ...bearer(token), [CHANNEL_TICKET_HEADER]: ticket },
        } as unknown as string[]);
        channels.push(ch);
        ch.onmessage = (m) => {
          s.channelLines.push(String(m.data));
          const reply = answer(String(m.data));
          if (reply) ch.send(reply);
        };
      }
    } else if (f?.type === 'R') {
      const reply = answer(f.payload);
      if (reply) ws.send(sessionFrame('R', f.server, f.session, reply, f.id));
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`connector ${name} could not dial`));
  });
  return s;
}

/** A WebSocket handshake by hand: the status and body of a refusal, or 101. */
function handshake(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.base}${path}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function mountScripted(name: string, connector: string) {
  const r = await h.fetch(`/admin/api/servers/${name}`, {
    method: 'PUT',
    headers: { ...h.auth('acme', 'admin'), 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'scripted-by-the-test', prefix: name, transport: { connector } }),
  });
  expect(r.status, r.text).toBeLessThan(300);
}

/** A client of tenant acme whose tool list holds `{prefix}_where` (the session reached the connector). */
async function sessionReaching(prefix: string): Promise<Client> {
  const c = await h.client('acme', 'caller');
  await pollUntil(`${prefix}_where listed`, async () => (await c.listTools()).tools.some((t) => t.name === `${prefix}_where`), { ms: 30_000 });
  return c;
}

beforeAll(async () => {
  h = await startJwtDev();
  for (const [key, tenant, scope] of [
    ['acme', 'acme', 'connector'],
    ['globex', 'globex', 'connector'],
  ] as const)
    tokens[key] = await h.token({ sub: `laptop@${tenant}`, tenant, scope, ttlSec: 3600 });
}, 180_000);
afterAll(() => h?.stop());

describe('the channel path', () => {
  it("with a channel, the session's messages take it and none take the connector's link", async () => {
    await mountScripted('chn', 'lab');
    const lab = await scripted('lab', tokens.acme, true);
    try {
      const c = await sessionReaching('chn');
      const r = await c.callTool({ name: 'chn_where', arguments: {} });
      expect((r.content as { text: string }[])[0].text).toBe('answered');
      const methods = lab.channelLines.map((l) => JSON.parse(l).method).filter(Boolean);
      expect(methods).toEqual(expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/list', 'tools/call']));
      // On the link: the assignment and each session's `O`, nothing else.
      expect(lab.frames.map((f) => f[0]).filter((t) => t !== 'A' && t !== 'O')).toEqual([]);
      await c.close();
    } finally {
      lab.close();
    }
  });

  it('a connector that never dials gets the session on its link once the offer runs out', async () => {
    await mountScripted('lnk', 'slow');
    const slow = await scripted('slow', tokens.acme, false);
    try {
      const c = await sessionReaching('lnk');
      const r = await c.callTool({ name: 'lnk_where', arguments: {} });
      expect((r.content as { text: string }[])[0].text).toBe('answered');
      expect(slow.tickets.length).toBeGreaterThan(0);
      expect(slow.frames.some((f) => f.startsWith('R ') && f.includes('"tools/call"'))).toBe(true);
      // The offer is gone: a late dial is refused.
      expect((await handshake('/connect/slow/channel', { ...bearer(tokens.acme), [CHANNEL_TICKET_HEADER]: slow.tickets[0] })).status).toBe(403);
      await c.close();
    } finally {
      slow.close();
    }
  });
});

describe('attacks on channel tickets', () => {
  it('a ticket works once, for its connector, in its tenant, with the connector scope; every other try is refused', async () => {
    await mountScripted('atk', 'victim');
    const victim = await scripted('victim', tokens.acme, false);
    try {
      const c = await h.client('acme', 'caller');
      // Reaching the upstream offers a ticket; the scripted connector keeps it instead of dialling.
      void c.listTools().catch(() => {});
      const ticket = await pollUntil('a ticket', async () => victim.tickets[0], { ms: 20_000 });
      const ok = { ...bearer(tokens.acme), [CHANNEL_TICKET_HEADER]: ticket };
      const [sid, secret] = ticket.split('.');
      const tries: [string, string, Record<string, string>, number][] = [
        ['no token', '/connect/victim/channel', { [CHANNEL_TICKET_HEADER]: ticket }, 401],
        ['a tenant admin dialling as another connector', '/connect/other/channel', { ...h.auth('acme', 'admin'), [CHANNEL_TICKET_HEADER]: ticket }, 403],
        ['a reader (mcp:read only)', '/connect/victim/channel', { ...h.auth('acme', 'reader'), [CHANNEL_TICKET_HEADER]: ticket }, 403],
        ['another tenant, same connector name', '/connect/victim/channel', { ...bearer(tokens.globex), [CHANNEL_TICKET_HEADER]: ticket }, 403],
        ['another connector name of the tenant', '/connect/other/channel', ok, 403],
        ['the name spelled with a trailing dot segment', '/connect/victim./channel', ok, 403],
        ['a trailing slash', '/connect/victim/channel/', ok, 404],
        ['an empty name', '/connect//channel', ok, 404],
        [
          'a changed secret',
          '/connect/victim/channel',
          { ...ok, [CHANNEL_TICKET_HEADER]: `${sid}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}` },
          403,
        ],
        ['another session id', '/connect/victim/channel', { ...ok, [CHANNEL_TICKET_HEADER]: `${'0'.repeat(32)}.${secret}` }, 403],
        ['a malformed ticket', '/connect/victim/channel', { ...ok, [CHANNEL_TICKET_HEADER]: `${ticket}x` }, 400],
        ['no ticket', '/connect/victim/channel', bearer(tokens.acme), 400],
      ];
      for (const [what, path, headers, status] of tries) {
        const r = await handshake(path, headers);
        expect(r.status, `${what}: ${r.body}`).toBe(status);
        expect(r.body).not.toContain(secret);
      }
      // The rightful dial is still possible (no try above used the ticket up), once.
      expect((await handshake('/connect/victim/channel', ok)).status).toBe(101);
      const replay = await handshake('/connect/victim/channel', ok);
      expect(replay.status).toBe(403);
      expect(JSON.parse(replay.body)).toMatchObject({ error: 'invalid_ticket' });
      await c.close().catch(() => {});
    } finally {
      victim.close();
    }
  });

  it('a ticket unused within its wait is refused', async () => {
    await mountScripted('exp', 'late');
    const late = await scripted('late', tokens.acme, false);
    try {
      const c = await h.client('acme', 'caller');
      void c.listTools().catch(() => {});
      const ticket = await pollUntil('a ticket', async () => late.tickets[0], { ms: 20_000 });
      // The edge gives up on the channel and takes the link: the ticket is withdrawn then.
      await pollUntil('the session on the link', async () => late.frames.some((f) => f.startsWith('R ')), { ms: 20_000 });
      expect((await handshake('/connect/late/channel', { ...bearer(tokens.acme), [CHANNEL_TICKET_HEADER]: ticket })).status).toBe(403);
      await c.close().catch(() => {});
    } finally {
      late.close();
    }
  });
});
