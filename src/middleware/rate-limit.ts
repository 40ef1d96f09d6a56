/**
 * Per-principal rate limit (after authenticate): 429 with `Retry-After` when a principal
 * (tenant + sub) exceeds RATE_LIMIT_PER_MINUTE (default 6000; 0 = off).
 *
 * Two layers: an in-isolate token bucket (auth/rate-limit.ts; exact under `wrangler dev`, per
 * isolate on Cloudflare) and, when declared, the Workers rate-limiting binding `RATE_LIMITER`
 * (`[[ratelimits]]` in wrangler.toml; shared by the isolates of a location, limit fixed at
 * deploy). dev-open instances are not limited: they serve one local developer (and benchmarks).
 * A failing binding lets the request through (availability control, not authorization) and is logged.
 */
import type { MiddlewareHandler } from 'hono';
import { perMinuteFrom, TokenBuckets } from '../auth/rate-limit';
import { log } from '../observability/log';
import type { AuthVars } from './auth';
import { rateLimited } from './challenge';

interface RateLimitBinding {
  limit(opts: { key: string }): Promise<{ success: boolean }>;
}
type RateEnv = Env & { RATE_LIMIT_PER_MINUTE?: string; RATE_LIMITER?: RateLimitBinding };

const buckets = new TokenBuckets();

export function rateLimit(opts: { jsonRpc?: boolean } = {}): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async function rateLimit(c, next) {
    const env = c.env as RateEnv;
    if (env.AUTH_MODE === 'dev-open') return next();
    const perMinute = perMinuteFrom(env.RATE_LIMIT_PER_MINUTE);
    if (perMinute === 0) return next();
    const p = c.get('principal');
    const key = `${p.tenant}\u0000${p.sub}`;
    const ctx = { jsonRpc: !!opts.jsonRpc, resourceMetadata: '' };
    const took = buckets.take(key, perMinute);
    if (!took.ok) return rateLimited(ctx, took.retryAfterSec);
    if (env.RATE_LIMITER) {
      try {
        if (!(await env.RATE_LIMITER.limit({ key })).success) return rateLimited(ctx, 10);
      } catch (e) {
        log.warn('rate limit binding failed; request allowed', { tenant: p.tenant, error: e });
      }
    }
    return next();
  };
}
