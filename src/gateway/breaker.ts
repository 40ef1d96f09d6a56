/**
 * Per-upstream circuit breaker: closed → open after `failures` consecutive failures → half-open
 * after `cooldownMs` → one trial call: success closes, failure re-opens. An open breaker answers
 * at once with an error naming the server and when it will try again. Only availability failures
 * (connect errors, timeouts, HTTP 5xx, garbage) count; an upstream's protocol error is an answer.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failures: number;
  cooldownMs: number;
  now?: () => number;
}

export class BreakerOpenError extends Error {
  readonly code = 'BREAKER_OPEN';
  constructor(
    readonly server: string,
    readonly retryInMs: number,
    readonly lastError: string,
  ) {
    super(`upstream ${server} is unavailable (circuit open after repeated failures: ${lastError}); next trial in ${Math.ceil(retryInMs / 1000)} s`);
  }
}

export class Breaker {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #trialInFlight = false;
  #lastError = '';
  readonly #now: () => number;

  constructor(
    readonly server: string,
    private readonly opts: BreakerOptions,
  ) {
    this.#now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.opts.cooldownMs) return 'half-open';
    return this.#state;
  }

  /** Throws BreakerOpenError when no call may go through now; otherwise admits the call. */
  admit(): void {
    const s = this.state;
    if (s === 'closed') return;
    if (s === 'half-open' && !this.#trialInFlight) {
      this.#state = 'half-open';
      this.#trialInFlight = true;
      return;
    }
    const wait = s === 'open' ? this.opts.cooldownMs - (this.#now() - this.#openedAt) : this.opts.cooldownMs;
    throw new BreakerOpenError(this.server, Math.max(0, wait), this.#lastError);
  }

  success(): void {
    this.#state = 'closed';
    this.#consecutive = 0;
    this.#trialInFlight = false;
  }

  failure(error: string): void {
    this.#lastError = error;
    this.#trialInFlight = false;
    if (this.#state === 'half-open' || ++this.#consecutive >= this.opts.failures) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }

  async run<T>(op: () => Promise<T>, isFailure: (e: unknown) => boolean): Promise<T> {
    this.admit();
    try {
      const r = await op();
      this.success();
      return r;
    } catch (e) {
      if (isFailure(e)) this.failure(e instanceof Error ? e.message : String(e));
      else this.success();
      throw e;
    }
  }
}

/** Retries an idempotent read (list, resource read) with backoff; never used for tool calls. */
export async function retryRead<T>(op: () => Promise<T>, retryable: (e: unknown) => boolean, delays = [100, 400]): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      if (i >= delays.length || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, delays[i]));
    }
  }
}
