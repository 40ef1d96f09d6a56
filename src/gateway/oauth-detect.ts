/**
 * Tells an admin that an upstream mounted without `transport.auth` wants OAuth: a 401 whose
 * `WWW-Authenticate: Bearer … resource_metadata=…` names RFC 9728 metadata (MCP authorization)
 * becomes an error saying what to configure, which the mount check, hub_check and hub_status show
 * instead of a bare "HTTP 401". One header test per 401, nothing on other responses.
 */
export function oauthHint(message: string): string {
  return `${message} is OAuth-protected (it answered 401 with RFC 9728 resource metadata): set "transport": {"auth": "oauth"} so each user signs in (hub_connect), or {"auth": {"type": "oauth", "mode": "shared"}} for one tenant-wide grant`;
}

export function detectingOAuth(base: typeof fetch, name: string): typeof fetch {
  return async (input, init) => {
    const res = await base(input, init);
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate') ?? '';
    if (!/^\s*bearer\b/i.test(challenge) || !/resource_metadata\s*=/i.test(challenge)) return res;
    await res.body?.cancel();
    throw new Error(oauthHint(name));
  };
}
