/**
 * Per-principal token bucket (pure). Capacity = the per-minute limit (a full minute of burst),
 * refilled continuously at limit/60 per second.
 *
 * Scope: one bucket map per isolate. Under `wrangler dev` that is the whole server; on Cloudflare
 * a principal spread over several isolates/locations gets up to N× the limit. The middleware
 * therefore also consults the Workers rate-limiting binding `RATE_LIMITER` when one is declared
 * (cross-isolate per location, limit fixed in wrangler.toml). Memory is bounded: at most
 * MAX_KEYS buckets; full (idle) buckets are dropped first, then the oldest.
 */
export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSec: number };

interface Bucket {
  tokens: number;
  at: number;
}

export const MAX_KEYS = 10_000;

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = MAX_KEYS) {}

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key` at `now` (ms). `perMinute` ≤ 0 means unlimited. */
  take(key: string, perMinute: number, now = Date.now()): Take {
    if (!(perMinute > 0)) return { ok: true, remaining: Infinity };
    const rate = perMinute / 60_000; // tokens per ms
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
      b.at = now;
      // Keep recently used keys at the end (eviction takes the front).
      this.#buckets.delete(key);
    } else {
      this.#evict(perMinute, rate, now);
      b = { tokens: perMinute, at: now };
    }
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) };
  }

  /** Seconds until `key` may take a token again (0 = it may now), without taking one. */
  waitSec(key: string, perMinute: number, now = Date.now()): number {
    const b = this.#buckets.get(key);
    if (!(perMinute > 0) || !b) return 0;
    const rate = perMinute / 60_000;
    const tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate / 1000));
  }

  #evict(perMinute: number, rate: number, now: number): void {
    if (this.#buckets.size < this.maxKeys) return;
    for (const [k, b] of this.#buckets) if (b.tokens + (now - b.at) * rate >= perMinute) this.#buckets.delete(k);
    while (this.#buckets.size >= this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }
}

export const DEFAULT_PER_MINUTE = 6000;

/** RATE_LIMIT_PER_MINUTE: unset/invalid → default, 0 → off. */
export function perMinuteFrom(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return DEFAULT_PER_MINUTE;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : DEFAULT_PER_MINUTE;
}
