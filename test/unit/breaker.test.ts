import { describe, expect, it } from 'vitest';
import { Breaker, BreakerOpenError, retryRead } from '../../src/gateway/breaker';

describe('Breaker', () => {
  const make = () => {
    let now = 1000;
    const b = new Breaker('s', { failures: 5, cooldownMs: 30_000, now: () => now });
    return { b, advance: (ms: number) => (now += ms) };
  };

  it('opens after 5 consecutive failures, not before; a success resets the count', () => {
    const { b } = make();
    for (let i = 0; i < 4; i++) b.failure('x');
    b.success();
    for (let i = 0; i < 4; i++) b.failure('x');
    expect(b.state).toBe('closed');
    b.failure('boom');
    expect(b.state).toBe('open');
    expect(() => b.admit()).toThrow(BreakerOpenError);
    try {
      b.admit();
    } catch (e) {
      expect((e as Error).message).toMatch(/upstream s is unavailable.*boom.*next trial in 30 s/);
    }
  });

  it('half-opens after the cooldown and admits exactly one trial', () => {
    const { b, advance } = make();
    for (let i = 0; i < 5; i++) b.failure('x');
    advance(29_999);
    expect(b.state).toBe('open');
    advance(1);
    expect(b.state).toBe('half-open');
    b.admit();
    expect(() => b.admit()).toThrow(BreakerOpenError);
    b.success();
    expect(b.state).toBe('closed');
    b.admit();
  });

  it('a failed trial re-opens for a full cooldown', () => {
    const { b, advance } = make();
    for (let i = 0; i < 5; i++) b.failure('x');
    advance(30_000);
    b.admit();
    b.failure('still down');
    expect(b.state).toBe('open');
    advance(29_000);
    expect(b.state).toBe('open');
  });

  it('run() counts only failures the predicate calls failures', async () => {
    const { b } = make();
    for (let i = 0; i < 10; i++)
      await b
        .run(
          () => Promise.reject(new Error('protocol')),
          () => false,
        )
        .catch(() => {});
    expect(b.state).toBe('closed');
    for (let i = 0; i < 5; i++)
      await b
        .run(
          () => Promise.reject(new Error('down')),
          () => true,
        )
        .catch(() => {});
    expect(b.state).toBe('open');
  });
});

describe('retryRead', () => {
  it('retries retryable errors with backoff and gives up after the delays', async () => {
    let n = 0;
    await expect(
      retryRead(
        () => Promise.reject(new Error(`e${++n}`)),
        () => true,
        [1, 1],
      ),
    ).rejects.toThrow('e3');
    expect(n).toBe(3);
    n = 0;
    await expect(
      retryRead(
        () => Promise.reject(new Error(`e${++n}`)),
        () => false,
        [1, 1],
      ),
    ).rejects.toThrow('e1');
    n = 0;
    expect(
      await retryRead(
        () => (++n < 2 ? Promise.reject(new Error('x')) : Promise.resolve('ok')),
        () => true,
        [1],
      ),
    ).toBe('ok');
  });
});
