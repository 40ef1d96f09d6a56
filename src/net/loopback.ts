/**
 * The one loopback test: `localhost`, 127.x.y.z and [::1], with an optional port, given as a
 * host, a `host:port` or a whole origin/URL. dev-open mode serves only these; http JWKS URLs and
 * CLI targets are allowed only for them.
 */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

export function isLoopback(hostOrUrl: string | null | undefined): boolean {
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
