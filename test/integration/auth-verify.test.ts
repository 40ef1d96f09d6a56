// Unit tests of the auth modules (verify, keys, scopes, rate limit, settings) inside workerd, so
// WebCrypto (RSA, P-256, Ed25519) is the one the Worker uses in production.

import { base64url, exportJWK, exportSPKI, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type KeyRing, keyRing, parsePublicKeys } from '../../src/auth/keys';
import { perMinuteFrom, TokenBuckets } from '../../src/auth/rate-limit';
import { requiredScope, scopesFromClaims } from '../../src/auth/scopes';
import { readAuthSettings, resourceMetadataUrl } from '../../src/auth/settings';
import { generateSigningKeys } from '../../src/auth/tokens.mjs';
import { type VerifyOptions, verifyAccessToken } from '../../src/auth/verify';
import { isLoopback } from '../../src/net/loopback.mjs';
import { base64, createMinter, type Minter, TEST_ISSUER } from '../helpers/tokens';

const AUD = 'https://hub.example/mcp';

async function ring(pem: string): Promise<KeyRing> {
  const { keys, errors } = await parsePublicKeys(pem);
  expect(errors).toEqual([]);
  return { local: keys, remote: null, errors };
}

function opts(keys: KeyRing, extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return { keys, issuer: TEST_ISSUER, audience: [AUD], clockToleranceSec: 30, defaultScopes: [], ...extra };
}

const now = () => Math.floor(Date.now() / 1000);

describe('verifyAccessToken', () => {
  let rs: Minter, es: Minter, ed: Minter, other: Minter, keys: KeyRing;

  it('setup: RS256, ES256 and EdDSA keys from concatenated PEMs', async () => {
    [rs, es, ed, other] = await Promise.all([
      createMinter({ alg: 'RS256', audience: AUD }),
      createMinter({ alg: 'ES256', audience: AUD }),
      createMinter({ alg: 'EdDSA', audience: AUD }),
      createMinter({ alg: 'RS256', audience: AUD }),
    ]);
    keys = await ring([rs.keys.publicPem, es.keys.publicPem, ed.keys.publicPem].join('\n'));
    expect(keys.local.map((k) => k.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(keys.local[0].kid).toBe(rs.keys.kid);
  });

  it('accepts valid tokens of each algorithm and builds the principal', async () => {
    for (const m of [rs, es, ed]) {
      const r = await verifyAccessToken(await m.token({ sub: 'alice', tenant: 'acme', scope: 'mcp:read mcp:call' }), opts(keys));
      expect(r).toMatchObject({ ok: true, principal: { sub: 'alice', tenant: 'acme', scopes: ['mcp:read', 'mcp:call'] } });
    }
    const withKid = await verifyAccessToken(await rs.token({ kid: true }), opts(keys));
    expect(withKid.ok).toBe(true);
  });

  it('defaults the tenant to "default"; reads scp arrays; applies default scopes only without a scope claim', async () => {
    const r = await verifyAccessToken(await rs.token({ scope: undefined, extra: { scp: ['mcp:read', 'admin', 42, 'bad scope'] } }), opts(keys));
    expect(r).toMatchObject({ ok: true, principal: { tenant: 'default', scopes: ['mcp:read', 'admin'] } });
    const none = await verifyAccessToken(await rs.token({ scope: undefined }), opts(keys, { defaultScopes: ['mcp:read'] }));
    expect(none).toMatchObject({ ok: true, principal: { scopes: ['mcp:read'] } });
    const empty = await verifyAccessToken(await rs.token({ scope: '' }), opts(keys, { defaultScopes: ['mcp:read'] }));
    expect(empty).toMatchObject({ ok: true, principal: { scopes: [] } });
  });

  const cases: [string, () => Promise<string>, string][] = [
    ['expired', () => rs.token({ exp: now() - 120 }), 'expired'],
    ['not yet valid', () => rs.token({ nbf: now() + 600 }), 'not_yet_valid'],
    ['wrong issuer', () => rs.token({ iss: 'https://evil.example' }), 'wrong_issuer'],
    ['wrong audience', () => rs.token({ aud: 'https://other.example/mcp' }), 'wrong_audience'],
    ['signed by an unknown key', () => other.token(), 'bad_signature'],
    ['bad tenant', () => rs.token({ tenant: '../Other' }), 'bad_tenant'],
    ['tenant not a string', () => rs.token({ extra: { tenant: ['a'] } }), 'bad_tenant'],
    ['empty sub', () => rs.token({ sub: '' }), 'bad_claims'],
    ['control characters in sub', () => rs.token({ sub: 'a\nb' }), 'bad_claims'],
  ];
  for (const [name, make, reason] of cases)
    it(`refuses: ${name}`, async () => {
      const r = await verifyAccessToken(await make(), opts(keys));
      expect(r).toMatchObject({ ok: false, reason });
    });

  it('tolerates small clock skew on exp and nbf only', async () => {
    expect((await verifyAccessToken(await rs.token({ exp: now() - 10 }), opts(keys))).ok).toBe(true);
    expect((await verifyAccessToken(await rs.token({ nbf: now() + 10 }), opts(keys))).ok).toBe(true);
    expect((await verifyAccessToken(await rs.token({ exp: now() - 31 }), opts(keys))).ok).toBe(false);
  });

  it('requires exp and sub', async () => {
    const noExp = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'RS256' }).setIssuer(TEST_ISSUER).setAudience(AUD).sign(rs.keys.privateKey);
    expect(await verifyAccessToken(noExp, opts(keys))).toMatchObject({ ok: false, reason: 'bad_claims' });
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(AUD)
      .setExpirationTime('1h')
      .sign(rs.keys.privateKey);
    expect(await verifyAccessToken(noSub, opts(keys))).toMatchObject({ ok: false, reason: 'bad_claims' });
  });

  it('refuses malformed tokens, alg none, HS256 with the public key as secret, alg/key confusion', async () => {
    const good = await rs.token();
    const [h, p, s] = good.split('.');
    for (const t of ['', 'abc', 'a.b', 'a.b.c.d', `${h}.${p}`, `${h}.${p}.${s}!`, 'x'.repeat(20_000), `${h}..${s}`, '...'])
      expect((await verifyAccessToken(t, opts(keys))).ok, t.slice(0, 40)).toBe(false);
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    const none = `${enc({ alg: 'none' })}.${p}.`;
    expect(await verifyAccessToken(none, opts(keys))).toMatchObject({ ok: false });
    const noneSig = `${enc({ alg: 'none' })}.${p}.${s}`;
    expect(await verifyAccessToken(noneSig, opts(keys))).toMatchObject({ ok: false, reason: 'unsupported_alg' });
    const hsKey = new TextEncoder().encode(rs.keys.publicPem);
    const hs = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(TEST_ISSUER).setAudience(AUD).setExpirationTime('1h').sign(hsKey);
    expect(await verifyAccessToken(hs, opts(keys))).toMatchObject({ ok: false, reason: 'unsupported_alg' });
    // An RS256 signature presented as ES256: the ES256 key cannot verify it.
    const confused = `${enc({ alg: 'ES256' })}.${p}.${s}`;
    expect(await verifyAccessToken(confused, opts(keys))).toMatchObject({ ok: false, reason: 'bad_signature' });
    // Tampered payload (sub changed) keeps the old signature.
    const forged = `${h}.${enc({ ...JSON.parse(new TextDecoder().decode(base64url.decode(p))), sub: 'root' })}.${s}`;
    expect(await verifyAccessToken(forged, opts(keys))).toMatchObject({ ok: false, reason: 'bad_signature' });
    // Garbage header JSON.
    expect(await verifyAccessToken(`${base64url.encode('{not json')}.${p}.${s}`, opts(keys))).toMatchObject({ ok: false, reason: 'malformed' });
    // Payload that is not JSON but correctly signed.
    const raw = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'RS256' }).sign(rs.keys.privateKey);
    expect((await verifyAccessToken(raw, opts(keys))).ok).toBe(false);
  });

  it('an unknown kid falls back to the keys of the alg; a key ring without that alg says unknown_key', async () => {
    expect((await verifyAccessToken(await rs.token({ kid: 'someone-elses-kid' }), opts(keys))).ok).toBe(true);
    const onlyEs = await ring(es.keys.publicPem);
    expect(await verifyAccessToken(await rs.token(), opts(onlyEs))).toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('accepts any of several audiences (Magg-style non-URL audiences too)', async () => {
    const r = await verifyAccessToken(await rs.token({ aud: 'magg' }), opts(keys, { audience: [AUD, 'magg'] }));
    expect(r.ok).toBe(true);
  });

  it('messages never quote the token or its claims', async () => {
    const t = await rs.token({ sub: 'secret-subject-xyz', iss: 'https://secret-issuer.example' });
    const r = await verifyAccessToken(t, opts(keys));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/secret-subject-xyz|secret-issuer|eyJ/);
  });
});

describe('remote JWKS (AUTH_JWKS_URL)', () => {
  it('verifies with keys fetched once and cached; rotated keys after a new fetch; outage → keys_unavailable', async () => {
    const a = await generateSigningKeys('ES256');
    const b = await generateSigningKeys('RS256');
    const jwk = async (k: typeof a) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' });
    let served = [await jwk(a)];
    let fetches = 0;
    let down = false;
    const fetchImpl = (async () => {
      fetches++;
      if (down) throw new TypeError('network down');
      return Response.json({ keys: served });
    }) as unknown as typeof fetch;
    const keys = await keyRing({ jwksUrl: 'https://as.example/jwks', fetchImpl });
    const ma = await createMinter({ audience: AUD, keys: a });
    const mb = await createMinter({ audience: AUD, keys: b });
    expect((await verifyAccessToken(await ma.token({ kid: true }), opts(keys))).ok).toBe(true);
    expect((await verifyAccessToken(await ma.token({ kid: true }), opts(keys))).ok).toBe(true);
    expect(fetches).toBe(1);
    // Key rotation: b appears at the AS. Within jose's 30 s cooldown an unknown kid does not refetch
    // (a flood of random kids cannot hammer the AS); a ring past the cooldown/cache sees it.
    served = [await jwk(a), await jwk(b)];
    expect(await verifyAccessToken(await mb.token({ kid: true }), opts(keys))).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(fetches).toBe(1);
    const fresh = await keyRing({ jwksUrl: 'https://as.example/jwks', fetchImpl });
    expect((await verifyAccessToken(await mb.token({ kid: true }), opts(fresh))).ok).toBe(true);
    down = true;
    const dead = await keyRing({ jwksUrl: 'https://as.example/jwks', fetchImpl });
    expect(await verifyAccessToken(await ma.token({ kid: true }), opts(dead))).toMatchObject({ ok: false, reason: 'keys_unavailable' });
  });

  it('refuses a non-https JWKS URL (except loopback)', async () => {
    expect((await keyRing({ jwksUrl: 'http://as.example/jwks' })).errors[0]).toMatch(/https/);
    expect((await keyRing({ jwksUrl: 'http://127.0.0.1:9/jwks' })).errors).toEqual([]);
    expect((await keyRing({ jwksUrl: 'not a url' })).errors[0]).toMatch(/valid URL/);
  });
});

describe('parsePublicKeys', () => {
  it('accepts base64 PEM, escaped newlines, CRLF, JWK and JWKS', async () => {
    const k = await generateSigningKeys('RS256');
    const e = await generateSigningKeys('EdDSA');
    const forms = [
      base64(k.publicPem),
      k.publicPem.replace(/\n/g, '\\n'),
      k.publicPem.replace(/\n/g, '\r\n'),
      k.publicPem.replace(/\n/g, ' '),
      JSON.stringify(await exportJWK(k.publicKey)),
      JSON.stringify({ keys: [await exportJWK(k.publicKey), await exportJWK(e.publicKey)] }),
      base64(JSON.stringify({ keys: [await exportJWK(e.publicKey)] })),
    ];
    for (const f of forms) {
      const r = await parsePublicKeys(f);
      expect(r.errors, f.slice(0, 30)).toEqual([]);
      expect(r.keys.length).toBeGreaterThan(0);
    }
  });

  it('refuses private keys, PKCS#1, short RSA keys and garbage, naming the block but never quoting it', async () => {
    const k = await generateSigningKeys('RS256');
    const priv = await parsePublicKeys(k.privatePem);
    expect(priv.errors[0]).toMatch(/private key/);
    expect(priv.errors.join()).not.toContain(k.privatePem.split('\n')[1]);
    const mixed = await parsePublicKeys(`${k.publicPem}\n${k.privatePem}`);
    expect(mixed.errors).toHaveLength(1);
    expect((await parsePublicKeys('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----')).errors[0]).toMatch(/PKCS#1/);
    expect((await parsePublicKeys('hello world')).errors[0]).toMatch(/no PEM block/);
    expect((await parsePublicKeys('{"kty":"oct","k":"c2VjcmV0"}')).errors[0]).toMatch(/unsupported key type/);
    const privJwk = await exportJWK(k.privateKey);
    expect((await parsePublicKeys(JSON.stringify(privJwk))).errors[0]).toMatch(/private key/);
    const small = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    expect((await parsePublicKeys(await exportSPKI(small.publicKey))).errors[0]).toMatch(/2048/);
  });

  it('a key ring with any configuration error is unusable (fail closed)', async () => {
    const k = await generateSigningKeys('RS256');
    const r = await keyRing({ publicKey: `${k.publicPem}\n-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----` });
    expect(r.errors.length).toBe(1);
  });
});

describe('scopes', () => {
  it('requiredScope: reads need mcp:read, tools need mcp:call unless readOnlyHint is exactly true', () => {
    for (const m of [
      'initialize',
      'ping',
      'tools/list',
      'resources/read',
      'prompts/get',
      'server/discover',
      'subscriptions/listen',
      'logging/setLevel',
      'notifications/initialized',
      'completion/complete',
    ])
      expect(requiredScope(m), m).toBe('mcp:read');
    expect(requiredScope('tools/call')).toBe('mcp:call');
    expect(requiredScope('tools/call', { readOnlyHint: true })).toBe('mcp:read');
    expect(requiredScope('tools/call', { readOnlyHint: 'true' })).toBe('mcp:call');
    expect(requiredScope('tools/call', { readOnlyHint: false })).toBe('mcp:call');
    expect(requiredScope('tools/call', null)).toBe('mcp:call');
    expect(requiredScope('something/new')).toBe('mcp:call');
  });

  it('scopesFromClaims: scope string, scp array/string, none → null', () => {
    expect(scopesFromClaims({ scope: 'a b  b' })).toEqual(['a', 'b']);
    expect(scopesFromClaims({ scp: ['x', 1, 'y z'] })).toEqual(['x']);
    expect(scopesFromClaims({ scp: 'mcp:read' })).toEqual(['mcp:read']);
    expect(scopesFromClaims({})).toBeNull();
    expect(scopesFromClaims({ scope: 'x'.repeat(200) })).toEqual([]);
  });
});

describe('token buckets', () => {
  it('allows the per-minute burst, then 429s with a Retry-After that refills', () => {
    const b = new TokenBuckets();
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) expect(b.take('k', 60, t0).ok).toBe(true);
    const r = b.take('k', 60, t0);
    expect(r).toEqual({ ok: false, retryAfterSec: 1 });
    expect(b.take('other', 60, t0).ok).toBe(true); // per key
    expect(b.take('k', 60, t0 + 1000).ok).toBe(true); // 1 token/s refill
    expect(b.take('k', 60, t0 + 1000).ok).toBe(false);
    expect(b.take('k', 0, t0).ok).toBe(true); // 0 = off
  });

  it('stays bounded in memory', () => {
    const b = new TokenBuckets(100);
    for (let i = 0; i < 1000; i++) b.take(`k${i}`, 10, 5_000 + i);
    expect(b.size).toBeLessThanOrEqual(100);
  });

  it('RATE_LIMIT_PER_MINUTE parsing', () => {
    expect(perMinuteFrom(undefined)).toBe(6000);
    expect(perMinuteFrom('0')).toBe(0);
    expect(perMinuteFrom('120')).toBe(120);
    expect(perMinuteFrom('lots')).toBe(6000);
    expect(perMinuteFrom('-5')).toBe(6000);
  });
});

describe('settings', () => {
  it('jwt is the default and a typo fails closed; missing key/issuer/audience are named', () => {
    expect(readAuthSettings({}, 'https://h/mcp').mode).toBe('jwt');
    expect(readAuthSettings({ AUTH_MODE: 'dev_open' }, 'https://h/mcp').mode).toBe('jwt');
    const s = readAuthSettings({}, 'https://h/x');
    expect(s.problems.join()).toMatch(/AUTH_PUBLIC_KEY.*AUTH_JWKS_URL/);
    expect(s.problems.join()).toMatch(/AUTH_ISSUER/);
    // The audience is never the request's Host: without PUBLIC_URL or AUTH_AUDIENCE nothing is accepted.
    expect(s.audience).toEqual([]);
    expect(s.problems.join()).toMatch(/PUBLIC_URL.*AUTH_AUDIENCE/);
    expect(readAuthSettings({ PUBLIC_URL: 'https://hub.example/' }, 'https://h/x').audience).toEqual(['https://hub.example/mcp']);
    expect(readAuthSettings({ PUBLIC_URL: 'hub.example' }, 'https://h/x').problems.join()).toMatch(/PUBLIC_URL 'hub.example' is not an http\(s\) URL/);
    expect(readAuthSettings({ AUTH_MODE: 'dev-open' }, 'https://h/x').problems).toEqual([]);
  });

  it('resource and authorization servers', () => {
    const s = readAuthSettings({ AUTH_AUDIENCE: 'magg, https://hub.example/mcp', AUTH_ISSUER: 'https://as.example' }, 'http://127.0.0.1/mcp');
    expect(s.resource).toBe('https://hub.example/mcp');
    expect(s.authorizationServers).toEqual(['https://as.example']);
    expect(readAuthSettings({ AUTH_ISSUER: 'edgehub' }, 'https://h/').authorizationServers).toEqual([]);
    expect(resourceMetadataUrl('https://h.example/mcp')).toBe('https://h.example/.well-known/oauth-protected-resource/mcp');
    expect(resourceMetadataUrl('https://h.example/')).toBe('https://h.example/.well-known/oauth-protected-resource');
  });

  it('isLoopback', () => {
    for (const h of ['localhost', 'localhost:8787', '127.0.0.1', '127.1.2.3:9', '[::1]:8787', 'http://localhost:3000', 'http://[::1]'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['example.com', 'localhost.evil.com', '127.0.0.1.nip.io', '10.0.0.1', 'http://evil.com', 'null', '', null, undefined, '[::2]'])
      expect(isLoopback(h), String(h)).toBe(false);
  });
});
