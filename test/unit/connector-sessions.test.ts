// The ConnectorDO's relay of sessions (runtime/connector-sessions.ts) in workerd, over a real
// WebSocketPair: a request's response is the return of its `call`, and only after every callback
// call made before it has returned (a session whose callback is slow still gets a request's
// progress first); a cancellation settles the call; a session that ends fails its waiting calls
// with the reason; a connector without `R` frames gets plain `M` frames.

import { describe, expect, it } from 'vitest';
import type { ConnectorDeliver } from '../../src/gateway/connector-transport';
import { decodeFrame, sessionFrame } from '../../src/mcp/connector-frames.mjs';
import { ConnectorSessions, type Link } from '../../src/runtime/connector-sessions';

function setup(replies = true) {
  const pair = new WebSocketPair();
  const [connector, edge] = [pair[0], pair[1]];
  edge.accept();
  connector.accept();
  const frames: string[] = [];
  connector.addEventListener('message', (e) => {
    frames.push(String(e.data));
  });
  const link: Link = { ws: edge, replies };
  const sessions = new ConnectorSessions('laptop', () => link);
  /** Every callback call, recorded when it *returns*; each takes a few turns of the event loop. */
  const delivered: string[] = [];
  const deliver: ConnectorDeliver = (kind, text) =>
    new Promise<void>((r) =>
      setTimeout(() => {
        delivered.push(`${kind} ${text}`);
        r();
      }, 5),
    );
  sessions.open(edge, 'srv', 's1', deliver);
  const fromConnector = (type: 'M' | 'R' | 'C', payload: string, id?: string) => {
    const f = decodeFrame(sessionFrame(type, 'srv', 's1', payload, id));
    if (!f) throw new Error('bad frame');
    sessions.frame(edge, f);
  };
  const sent = async () => {
    await new Promise((r) => setTimeout(r, 0));
    return frames.splice(0).map((f) => decodeFrame(f));
  };
  return { sessions, link, delivered, fromConnector, sent };
}

const req = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}';
const progress = (n: number) => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":${n}}}`;
const result = '{"result":{"content":[]},"jsonrpc":"2.0","id":7}';

describe('ConnectorSessions', () => {
  it('returns a response after the callback calls before it have returned, and sends the request as R', async () => {
    const t = setup();
    const reply = t.sessions.call(t.link, 'srv', 's1', '7', req);
    expect((await t.sent()).map((f) => f && [f.type, f.id, f.payload])).toEqual([
      ['O', '', ''],
      ['R', '7', req],
    ]);
    t.fromConnector('M', progress(1));
    t.fromConnector('M', progress(2));
    t.fromConnector('R', result, '7');
    const seenAtReply = await reply.then((r) => ({ r, delivered: [...t.delivered] }));
    expect(seenAtReply.r).toBe(result);
    expect(seenAtReply.delivered).toEqual([`M ${progress(1)}`, `M ${progress(2)}`]);
  });

  it('a response nobody waits on (another id) goes through the callback', async () => {
    const t = setup();
    t.fromConnector('R', result, '99');
    await new Promise((r) => setTimeout(r, 20));
    expect(t.delivered).toEqual([`M ${result}`]);
  });

  it('a cancellation settles the waiting call (null) and tells the connector which request it ends', async () => {
    const t = setup();
    const reply = t.sessions.call(t.link, 'srv', 's1', '7', req);
    const cancel = '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}';
    t.sessions.send(t.link, 'srv', 's1', cancel, '7');
    expect(await reply).toBeNull();
    expect((await t.sent()).at(-1)).toMatchObject({ type: 'M', id: '7', payload: cancel });
  });

  it('a session that ends fails its waiting calls with the reason', async () => {
    const t = setup();
    const reply = t.sessions.call(t.link, 'srv', 's1', '7', req);
    t.sessions.endAll('connector laptop went offline (closed 1006)');
    await expect(reply).rejects.toThrow('connector laptop went offline (closed 1006)');
    expect(() => t.sessions.call(t.link, 'srv', 's1', '8', req)).toThrow('the session with srv on connector laptop has ended');
  });

  it('the child ending the session fails its waiting calls too', async () => {
    const t = setup();
    const reply = t.sessions.call(t.link, 'srv', 's1', '7', req);
    t.fromConnector('C', 'srv exited with code 1');
    await expect(reply).rejects.toThrow('srv exited with code 1');
  });

  it('a connector without R frames gets the request as M; its response comes through the callback', async () => {
    const t = setup(false);
    expect(await t.sessions.call(t.link, 'srv', 's1', '7', req)).toBeNull();
    expect((await t.sent()).at(-1)).toMatchObject({ type: 'M', id: '', payload: req });
    t.fromConnector('M', result);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.delivered).toEqual([`M ${result}`]);
  });
});
