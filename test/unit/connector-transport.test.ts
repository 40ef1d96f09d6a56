// The edge's transport to a connector-served child (gateway/connector-transport.ts) in workerd:
// its link is the ConnectorDO's real session relay (runtime/connector-sessions.ts) over a
// WebSocketPair, its channel a WebSocketPair of its own. The connector's `N` (no channel) ends the
// wait for a channel at once; a session that ends fails a waiting request with the reason as a
// plain error (an outage to the breaker, not a server's answer), before the transport reports the
// close; over a channel, a request's send settles with its response.

import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { type ChannelOffer, type ConnectorChannel, type ConnectorLink, ConnectorTransport } from '../../src/gateway/connector-transport';
import { decodeFrame, sessionFrame } from '../../src/mcp/connector-frames.mjs';
import { ConnectorSessions, type Link } from '../../src/runtime/connector-sessions';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A connector link over the real relay; `frames` are what the connector received. */
function relay() {
  const pair = new WebSocketPair();
  const [connector, edge] = [pair[0], pair[1]];
  edge.accept();
  connector.accept();
  const frames: string[] = [];
  connector.addEventListener('message', (e) => frames.push(String(e.data)));
  const link: Link = { ws: edge, replies: true, channels: true };
  const sessions = new ConnectorSessions('laptop', () => link);
  const stub: ConnectorLink = {
    attach: async (server, session, deliver, ticket) => ({ held: sessions.open(edge, server, session, deliver, ticket), channel: ticket !== undefined }),
    send: async (server, session, message, settles) => sessions.send(link, server, session, message, settles),
    call: (server, session, id, message) => sessions.call(link, server, session, id, message),
    detach: async (server, session) => sessions.detach(server, session),
  };
  const fromConnector = (type: 'N' | 'R' | 'C', payload = '', id?: string) => {
    const f = decodeFrame(sessionFrame(type, 'srv', 's1', payload, id));
    if (!f) throw new Error('bad frame');
    sessions.frame(edge, f);
  };
  return { stub, frames, fromConnector };
}

/** An offer whose channel comes only when `give` is called (withdraw: never). */
function offer() {
  let settle!: (c: ConnectorChannel | null) => void;
  const o: ChannelOffer & { withdrawn: boolean } = {
    ticket: 'ticket-1',
    ready: new Promise((r) => (settle = r)),
    withdrawn: false,
    withdraw: () => {
      o.withdrawn = true;
      settle(null);
    },
  };
  return { o, give: (c: ConnectorChannel) => settle(c) };
}

const REQUEST: JSONRPCMessage = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } };

describe('ConnectorTransport', () => {
  it("the connector's N ends the wait for a channel at once: the session takes the link", async () => {
    const r = relay();
    const { o } = offer();
    const t = new ConnectorTransport(r.stub, 'srv', 's1', () => o);
    const started = t.start();
    await tick();
    expect(decodeFrame(r.frames[0])).toMatchObject({ type: 'O', payload: JSON.stringify({ channel: 'ticket-1' }) });
    r.fromConnector('N');
    await started; // without the N this would wait for ever (the offer here never runs out)
    expect(o.withdrawn).toBe(true);
    void t.send(REQUEST);
    await tick();
    expect(decodeFrame(r.frames[1])).toMatchObject({ type: 'R', id: '7' });
  });

  it('a session that ends fails a waiting request with its reason as a plain error, before the close is reported', async () => {
    const r = relay();
    const t = new ConnectorTransport(r.stub, 'srv', 's1');
    const order: string[] = [];
    t.onclose = () => order.push('close');
    t.onmessage = (m) => order.push(`message ${JSON.stringify(m)}`);
    await t.start();
    const sent = t.send(REQUEST).then(
      () => order.push('resolved'),
      (e: unknown) => order.push(`rejected ${e instanceof McpError ? 'McpError' : 'Error'}: ${(e as Error).message}`),
    );
    await tick();
    r.fromConnector('C', 'srv exited with code 3');
    await sent;
    await tick();
    expect(order).toEqual(['rejected Error: srv exited with code 3', 'close']);
  });

  it("over a channel, a request goes on it and its send settles with the response; the connector's end closes the transport", async () => {
    const r = relay();
    const { o, give } = offer();
    const pair = new WebSocketPair();
    const [peer, mine] = [pair[0], pair[1]];
    peer.accept();
    mine.accept();
    let listener: { message(text: string): void; end(reason: string): void } | null = null;
    mine.addEventListener('message', (e) => listener?.message(String(e.data)));
    const channel: ConnectorChannel = {
      send: (text) => mine.send(text),
      close: () => {},
      listen: (message, end) => (listener = { message, end }),
    };
    const atPeer: string[] = [];
    peer.addEventListener('message', (e) => atPeer.push(String(e.data)));
    const t = new ConnectorTransport(r.stub, 'srv', 's1', () => o);
    const got: JSONRPCMessage[] = [];
    t.onmessage = (m) => got.push(m);
    let closed = false;
    t.onclose = () => (closed = true);
    const started = t.start();
    await tick();
    give(channel);
    await started;
    let settled = false;
    const sent = t.send(REQUEST).then(() => (settled = true));
    await tick();
    expect(atPeer).toEqual([JSON.stringify(REQUEST)]);
    expect(settled).toBe(false);
    peer.send(JSON.stringify({ jsonrpc: '2.0', id: 7, result: { content: [] } }));
    await sent;
    expect(got).toEqual([{ jsonrpc: '2.0', id: 7, result: { content: [] } }]);
    // Nothing of the session went over the link but its O.
    expect(r.frames.map((f) => f[0])).toEqual(['O']);
    listener!.end('srv exited');
    await tick();
    expect(closed).toBe(true);
  });
});
