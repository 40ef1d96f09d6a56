/**
 * Polls `f` until it returns something truthy, within `ms` (bounded: tests and benchmarks never
 * wait forever). The timeout error names what was awaited, the last error `f` threw, and any
 * context the caller adds (e.g. a process's recent output). Plain JS: the bench imports it too.
 *
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined | false | null>} f
 * @param {{ ms?: number, intervalMs?: number, context?: () => string }} [o]
 * @returns {Promise<T>}
 */
export async function pollUntil(what, f, { ms = 15_000, intervalMs = 200, context } = {}) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const extra = context ? `\n${context()}` : '';
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}${extra}`);
}
