import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, paginate } from '../../src/gateway/paging';
import { memoJson, stringifyMessage } from '../../src/mcp/json-text';

const tools = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => ({
    name: `t${tag}_${i}`,
    description: `quote " backslash \\ newline \n unicode é ✓ ${'\u2028'} nul \u0000`,
    inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
  }));

describe('stringifyMessage', () => {
  it('writes exactly what JSON.stringify writes, with memoised arrays spliced in', () => {
    const page = memoJson(tools(30));
    const prompts = memoJson(tools(3, 'p'));
    const m = { jsonrpc: '2.0' as const, id: 7, result: { tools: page, prompts, nextCursor: 'abc', _meta: { v: 1 } } };
    expect(stringifyMessage(m)).toBe(JSON.stringify(m));
    // Second use reuses the cached text and still matches (and another id is written).
    const m2 = { ...m, id: 'x"y', result: { ...m.result, _meta: { v: 2 } } };
    expect(stringifyMessage(m2)).toBe(JSON.stringify(m2));
    expect(JSON.parse(stringifyMessage(m2)).result.tools).toHaveLength(30);
  });

  it('keeps splicing correct with ten or more memoised parts', () => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) result[`k${i}`] = memoJson(tools(2, String(i)));
    const m = { jsonrpc: '2.0' as const, id: 1, result };
    expect(stringifyMessage(m)).toBe(JSON.stringify(m));
  });

  it('leaves messages without memoised parts and error responses unchanged', () => {
    const plain = { jsonrpc: '2.0' as const, id: 1, result: { content: [{ type: 'text', text: 'hi' }], isError: false } };
    expect(stringifyMessage(plain)).toBe(JSON.stringify(plain));
    const err = { jsonrpc: '2.0' as const, id: 2, error: { code: -32602, message: 'bad' } };
    expect(stringifyMessage(err)).toBe(JSON.stringify(err));
  });

  it('splices nothing into strings that merely look like placeholders', () => {
    const page = memoJson(tools(1));
    const m = { jsonrpc: '2.0' as const, id: 1, result: { tools: page, note: '\u0000edgehub-json-0', other: '"\\u0000edgehub-json-0"' } };
    expect(stringifyMessage(m)).toBe(JSON.stringify(m));
  });
});

describe('paginate', () => {
  it('gives every request on one version the same read-only page, serialised once', () => {
    const items = tools(PAGE_SIZE + 10);
    const a = paginate('tools', items, undefined, 3);
    const b = paginate('tools', items, undefined, 3);
    expect(a.tools).toBe(b.tools);
    expect(a.tools).toHaveLength(PAGE_SIZE);
    const second = paginate('tools', items, a.nextCursor as string, 3);
    expect(second.tools).toHaveLength(10);
    expect(paginate('tools', items, a.nextCursor as string, 3).tools).toBe(second.tools);
    const m = { jsonrpc: '2.0' as const, id: 1, result: second };
    expect(stringifyMessage(m)).toBe(JSON.stringify(m));
  });

  it('does not memoise crafted offsets (a client cannot make it hold many page copies)', () => {
    const items = tools(20);
    const crafted = btoa(JSON.stringify({ v: 1, o: 3 }));
    const a = paginate('tools', items, crafted, 1);
    expect(a.tools).toHaveLength(17);
    expect(paginate('tools', items, crafted, 1).tools).not.toBe(a.tools);
  });

  it('refuses a cursor from another version', () => {
    const items = tools(PAGE_SIZE + 1);
    const next = paginate('tools', items, undefined, 1).nextCursor as string;
    expect(() => paginate('tools', items, next, 2)).toThrow(/older configuration/);
  });
});
