import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/utils/lru';

const keys = <K, V>(lru: Lru<K, V>, all: K[]) => all.filter((k) => lru.has(k));

describe('Lru', () => {
  it('bounded by entries: the least recently used goes first, a get refreshes, a peek does not', () => {
    const lru = new Lru<string, number>({ maxEntries: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) lru.set(k, i);
    expect(lru.get('a')).toBe(0); // a is now the newest
    expect(lru.peek('b')).toBe(1); // b stays the oldest
    lru.set('d', 3);
    expect(keys(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    expect(lru.size).toBe(3);
    expect(lru.weight).toBe(3); // default weight 1 per entry
    expect(lru.get('b')).toBeUndefined();
  });

  it('bounded by weight: evicts from the oldest until the total fits', () => {
    const lru = new Lru<string, Uint8Array>({ maxWeight: 10, weigh: (v) => v.byteLength });
    lru.set('a', new Uint8Array(4));
    lru.set('b', new Uint8Array(4));
    expect(lru.weight).toBe(8);
    lru.set('c', new Uint8Array(5)); // 13 > 10: a goes
    expect(keys(lru, ['a', 'b', 'c'])).toEqual(['b', 'c']);
    expect(lru.weight).toBe(9);
    lru.set('d', new Uint8Array(10)); // b and c go; d alone fits exactly
    expect(keys(lru, ['b', 'c', 'd'])).toEqual(['d']);
    expect(lru.weight).toBe(10);
  });

  it('an entry heavier than the whole budget is not kept (nor anything else)', () => {
    const lru = new Lru<string, string>({ maxWeight: 3, weigh: (v) => v.length });
    lru.set('a', 'xx');
    expect(lru.set('big', 'xxxxx')).toBe('xxxxx'); // handed back even when not kept
    expect(lru.size).toBe(0);
    expect(lru.weight).toBe(0);
  });

  it('replacing a key re-weighs it and makes it the newest', () => {
    const lru = new Lru<string, string>({ maxWeight: 6, weigh: (v) => v.length });
    lru.set('a', 'xx');
    lru.set('b', 'xx');
    lru.set('a', 'xxx'); // a: 2 → 3, now newer than b
    expect(lru.weight).toBe(5);
    lru.set('c', 'x'); // 6: fits
    lru.set('d', 'x'); // 7: b (the oldest) goes
    expect(keys(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    expect(lru.weight).toBe(5);
  });

  it('both bounds at once, and delete', () => {
    const lru = new Lru<number, string>({ maxEntries: 2, maxWeight: 100, weigh: (v, k) => v.length + k });
    lru.set(1, 'a');
    lru.set(2, 'b');
    lru.set(3, 'c'); // entry cap: 1 goes
    expect(keys(lru, [1, 2, 3])).toEqual([2, 3]);
    expect(lru.weight).toBe(3 + 4);
    expect(lru.delete(2)).toBe(true);
    expect(lru.delete(2)).toBe(false);
    expect(lru.weight).toBe(4);
    lru.set(99, 'x'); // 4 + 100 > 100: 3 goes, then 99 alone (100) fits
    expect(keys(lru, [3, 99])).toEqual([99]);
    expect(lru.weight).toBe(100);
  });
});
