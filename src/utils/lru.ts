/**
 * A least-recently-used cache bounded by total weight (bytes, say) and/or entry count: the one
 * LRU of the codebase. Recency is a Map's insertion order (a hit is re-inserted at the end;
 * eviction takes from the front), so no list nodes are kept.
 *
 * Weights are not stored: `weigh` is called again when an entry leaves, so it must give the
 * same answer for the same entry (values are immutable). That keeps an entry to one Map slot —
 * no wrapper object per cached value.
 */
export interface LruOptions<K, V> {
  /** Most total weight kept (default: unbounded). */
  maxWeight?: number;
  /** Most entries kept (default: unbounded). */
  maxEntries?: number;
  /** An entry's weight (default: 1). Must be stable for a given entry. */
  weigh?: (value: V, key: K) => number;
}

const one = () => 1;

export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  readonly #maxWeight: number;
  readonly #maxEntries: number;
  readonly #weigh: (value: V, key: K) => number;
  #weight = 0;

  constructor(opts: LruOptions<K, V>) {
    this.#maxWeight = opts.maxWeight ?? Number.POSITIVE_INFINITY;
    this.#maxEntries = opts.maxEntries ?? Number.POSITIVE_INFINITY;
    this.#weigh = opts.weigh ?? one;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Total weight of the entries held. */
  get weight(): number {
    return this.#weight;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** The value, its recency left alone. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /**
   * Stores `value` as the most recently used (replacing any old value), then evicts the least
   * recently used entries until both bounds hold — the new one too, if it alone is over them.
   */
  set(key: K, value: V): V {
    this.delete(key);
    this.#map.set(key, value);
    this.#weight += this.#weigh(value, key);
    if (this.#map.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      for (const [k, v] of this.#map) {
        if (this.#map.size <= this.#maxEntries && this.#weight <= this.#maxWeight) break;
        this.#map.delete(k);
        this.#weight -= this.#weigh(v, k);
      }
    }
    return value;
  }

  delete(key: K): boolean {
    const old = this.#map.get(key);
    if (old === undefined && !this.#map.has(key)) return false;
    this.#map.delete(key);
    this.#weight -= this.#weigh(old as V, key);
    return true;
  }
}
