// The connector CLI's side of `R` frames (src/cli/lib/replies.mjs): which line a server writes is
// the response the edge waits on, read from the usual SDK shapes without parsing and from any
// other shape by parsing; notifications, requests and responses nobody waits on are not.

import { describe, expect, it } from 'vitest';
import { Replies, responseId } from '../../src/cli/lib/replies.mjs';

describe('responseId', () => {
  it.each([
    ['TypeScript SDK order', '{"result":{"content":[{"type":"text","text":"a \\"id\\":3}"}]},"jsonrpc":"2.0","id":7}', '7'],
    ['Python SDK order', '{"jsonrpc":"2.0","id":"a b","result":{}}', '"a b"'],
    ['an error response', '{"error":{"code":-32601,"message":"no"},"jsonrpc":"2.0","id":-2}', '-2'],
    ['another key order (parsed)', '{"id":7,"jsonrpc":"2.0","result":{"x":{"id":9}}}', '7'],
    ['a string id with an escape (parsed)', '{"jsonrpc":"2.0","result":{},"id":"q\\"1"}', '"q\\"1"'],
  ])('%s', (_, line, id) => expect(responseId(line)).toBe(id));

  it.each([
    ['a notification', '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}'],
    ['a server → client request', '{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{"result":1}}'],
    ['not JSON', '{"result":'],
  ])('%s is no response', (_, line) => expect(responseId(line)).toBeUndefined());

  it('takes the parsed message when the caller has it', () => {
    expect(responseId('', { jsonrpc: '2.0', id: 5, result: {} })).toBe('5');
    expect(responseId('', { jsonrpc: '2.0', id: 5, method: 'ping' })).toBeUndefined();
  });
});

describe('Replies', () => {
  it('answers a waited-for id once, per session; forgets settled and ended sessions', () => {
    const r = new Replies();
    const line = '{"result":{},"jsonrpc":"2.0","id":1}';
    expect(r.answers('s', 'a', line)).toBeUndefined();
    r.wait('s', 'a', '1');
    expect(r.answers('s', 'b', line)).toBeUndefined();
    expect(r.answers('s', 'a', line)).toBe('1');
    expect(r.answers('s', 'a', line)).toBeUndefined();
    r.wait('s', 'a', '1');
    r.settle('s', 'a', '1');
    expect(r.answers('s', 'a', line)).toBeUndefined();
    r.wait('s', 'a', '1');
    r.forget('s', 'a');
    expect(r.answers('s', 'a', line)).toBeUndefined();
  });
});
