/**
 * The one loopback test: `localhost`, 127.x.y.z and [::1], with an optional port, given as a
 * host, a `host:port` or a whole origin/URL. dev-open mode serves only these; http JWKS URLs and
 * CLI targets are allowed only for them. Plain JavaScript so that the CLI (Node, no build step)
 * shares it.
 */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/**
 * @param {string | null | undefined} hostOrUrl
 * @returns {boolean}
 */
export function isLoopback(hostOrUrl) {
  if (!hostOrUrl) return false;
  if (hostOrUrl.includes('://')) {
    try {
      return LOOPBACK.test(new URL(hostOrUrl).host);
    } catch {
      return false;
    }
  }
  return LOOPBACK.test(hostOrUrl);
}
