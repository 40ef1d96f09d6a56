// The connector's side of session channels (src/cli/lib/channels.mjs) against a real WebSocket
// server on loopback (the `ws` package) with Node's own WebSocket client, as `edgehub connect`
// dials: what a child writes before its channel opens waits and then goes first, a refused dial
// hands the session to the link with nothing lost, the edge speaking on the link first turns the
// channel off, and either side ending is told to the other.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket as PeerSocket, WebSocketServer } from 'ws';
import { Channels } from '../../src/cli/lib/channels.mjs';
import { CHANNEL_END, CHANNEL_TICKET_HEADER, PING, PONG } from '../../src/mcp/connector-frames.mjs';
import { pollUntil } from '../helpers/poll.mjs';

let server: Server;
let base = '';
/** Sockets the "edge" accepted, by the ticket they dialled with; tickets starting `no` are refused. */
const accepted = new Map<string, { ws: PeerSocket; got: string[] }>();

beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    const ticket = String(req.headers[CHANNEL_TICKET_HEADER] ?? '');
    if (ticket.startsWith('no')) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = { ws, got: [] as string[] };
      accepted.set(ticket, peer);
      ws.on('message', (d) => {
        const text = String(d);
        if (text === PING) ws.send(PONG);
        else peer.got.push(text);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function harness() {
  const log = { message: [] as string[], fallback: [] as string[], ended: [] as string[] };
  const channels = new Channels('lab', {
    dial: (path, headers) => new WebSocket(`${base}${path}`, { headers } as unknown as string[]),
    message: (_server, session, line) => log.message.push(`${session}:${line}`),
    fallback: (_server, session, lines) => log.fallback.push(...lines.map((l) => `${session}:${l}`)),
    ended: (_server, session, reason) => log.ended.push(`${session}:${reason}`),
  });
  return { channels, log };
}

describe('connector channels (CLI side)', () => {
  it('lines written before the channel opens go first, in order; frames from the edge reach the child; the end is the last frame', async () => {
    const { channels, log } = harness();
    channels.dial('srv', 's1', 't1');
    expect(channels.send('srv', 's1', '{"n":1}')).toBe(true);
    expect(channels.send('srv', 's1', '{"n":2}')).toBe(true);
    const peer = await pollUntil('the channel accepted', async () => accepted.get('t1'));
    await pollUntil('queued lines', async () => peer.got.length === 2);
    expect(channels.send('srv', 's1', '{"n":3}')).toBe(true);
    await pollUntil('the third line', async () => peer.got.length === 3);
    expect(peer.got).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    peer.ws.send('{"id":7,"method":"ping"}');
    peer.ws.send(PONG); // a keepalive's answer is no message for the child
    await pollUntil('the frame for the child', async () => log.message.length === 1);
    const closed = new Promise<number>((r) => peer.ws.once('close', (code) => r(code)));
    expect(channels.end('srv', 's1', 'srv exited with code 3')).toBe(true);
    expect(await closed).toBe(1000);
    expect(peer.got.at(-1)).toBe(`${CHANNEL_END}srv exited with code 3`);
    expect(log).toEqual({ message: ['s1:{"id":7,"method":"ping"}'], fallback: [], ended: [] });
    // Ended: the session's lines no longer take a channel.
    expect(channels.send('srv', 's1', '{"n":4}')).toBe(false);
    channels.closeAll();
  });

  it('a refused dial hands what it held to the link, and the session stays there', async () => {
    const { channels, log } = harness();
    channels.dial('srv', 's2', 'no-such-ticket');
    expect(channels.send('srv', 's2', '{"early":true}')).toBe(true);
    await pollUntil('the fallback', async () => log.fallback.length === 1);
    expect(log.fallback).toEqual(['s2:{"early":true}']);
    expect(channels.send('srv', 's2', '{"later":true}')).toBe(false);
    expect(log.ended).toEqual([]);
    channels.closeAll();
  });

  it('the edge speaking on the link first turns the channel off: its queue is returned and the late socket is closed', async () => {
    const { channels, log } = harness();
    channels.dial('srv', 's3', 't3');
    channels.send('srv', 's3', '{"early":true}');
    expect(channels.off('srv', 's3')).toEqual(['{"early":true}']);
    expect(channels.send('srv', 's3', '{"later":true}')).toBe(false);
    // If the dial had already got through, the edge sees it closed with nothing sent on it.
    const peer = accepted.get('t3');
    if (peer) await pollUntil('the late socket closed', async () => peer.ws.readyState === peer.ws.CLOSED);
    expect(peer?.got ?? []).toEqual([]);
    expect(log).toEqual({ message: [], fallback: [], ended: [] });
    channels.closeAll();
  });

  it('the edge closing an open channel ends the session on this side', async () => {
    const { channels, log } = harness();
    channels.dial('srv', 's4', 't4');
    const peer = await pollUntil('the channel accepted', async () => accepted.get('t4'));
    await pollUntil('open on this side', async () => channels.send('srv', 's4', '{}') && peer.got.length === 1);
    peer.ws.close(1000, 'closed by the edge');
    await pollUntil('the end', async () => log.ended.length === 1);
    expect(log.ended[0]).toMatch(/^s4:the edge closed the channel \(1000: closed by the edge\)$/);
    channels.closeAll();
  });
});
