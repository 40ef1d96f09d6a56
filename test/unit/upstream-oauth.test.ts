// OAuthUpstream without a network: a GrantSource over an in-memory token table and a recording
// fetch underneath, to pin the token rules — each principal's requests carry their own token and
// go through their own connection; a token goes only to the upstream's own origin; a 401 asks the
// vault once (the rejected token's fingerprint) and retries; no grant → the consent reply, never a
// request; connections per principal are bounded.
import { describe, expect, it } from 'vitest';
import type { Json, Provider } from '../../src/gateway/provider';
import { MAX_PRINCIPALS, OAuthUpstream } from '../../src/gateway/upstream-oauth';
import type { RequestContext } from '../../src/mcp/context';
import type { GrantSource } from '../../src/vault/client';
import type { TokenReply } from '../../src/vault/service';

const ORIGIN = 'https://mcp.example';

function ctx(sub: string, caps: Record<string, unknown> = {}): RequestContext {
  return {
    lane: 'legacy',
    principal: { sub, tenant: 'acme', scopes: ['mcp:read', 'mcp:call'] },
    protocolVersion: '2025-11-25',
    clientCapabilities: caps,
    signal: new AbortController().signal,
    notify: () => {},
    request: () => Promise.reject(new Error('no')),
  };
}

function setup(tokens: Record<string, string>, status: (auth: string | null) => number = () => 200) {
  const seen: { url: string; auth: string | null }[] = [];
  const asked: { sub: string; rejected?: string }[] = [];
  let n = 0;
  const grants: GrantSource = {
    spec: { mode: 'user', server: 'up', resource: `${ORIGIN}/mcp` },
    async token(sub, rejected) {
      asked.push({ sub, rejected });
      if (!tokens[sub]) return null;
      if (rejected) tokens[sub] = `${tokens[sub]}-refreshed`;
      return { token: tokens[sub], expiresAt: 0, fingerprint: tokens[sub] } satisfies TokenReply;
    },
    async catalogToken() {
      return null;
    },
    async consentLink(sub) {
      return `https://hub.example/oauth/upstream/start?h=${sub}-${++n}`;
    },
  };
  const base = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const auth = new Headers(init?.headers).get('authorization');
    seen.push({ url, auth });
    return new Response('{}', { status: status(auth) });
  }) as typeof fetch;
  // The "connection": each call fetches the upstream, then a foreign URL (as a transport might).
  const build = (f: typeof fetch): Provider => ({
    name: 'up',
    catalog: async () => ({ tools: [], resources: [], templates: [], prompts: [] }),
    async callTool(): Promise<Json> {
      const r = await f(`${ORIGIN}/mcp`, { method: 'POST', body: '{}' });
      await f('https://elsewhere.example/x');
      await f(`${ORIGIN}.evil.example/mcp`);
      await f(`${ORIGIN}@evil.example/mcp`);
      return { status: r.status };
    },
  });
  const up = new OAuthUpstream({ name: 'up', grants, build, base });
  return { up, seen, asked };
}

describe('OAuthUpstream', () => {
  it("sends each principal's own token, and only to the upstream's origin", async () => {
    const { up, seen } = setup({ alice: 'tok-alice', bob: 'tok-bob' });
    await up.callTool(ctx('alice'), 'whoami', {});
    await up.callTool(ctx('bob'), 'whoami', {});
    const withToken = seen.filter((s) => s.auth);
    expect(withToken.map((s) => [s.url, s.auth])).toEqual([
      [`${ORIGIN}/mcp`, 'Bearer tok-alice'],
      [`${ORIGIN}/mcp`, 'Bearer tok-bob'],
    ]);
    expect(seen.filter((s) => !s.url.startsWith(`${ORIGIN}/`)).every((s) => s.auth === null)).toBe(true);
  });

  it('a 401 asks the vault once with the rejected fingerprint, then retries with the new token', async () => {
    const { up, seen, asked } = setup({ alice: 'tok-alice' }, (auth) => (auth === 'Bearer tok-alice' ? 401 : 200));
    const r = await up.callTool(ctx('alice'), 'whoami', {});
    expect(r).toEqual({ status: 200 });
    expect(asked.filter((a) => a.rejected)).toEqual([{ sub: 'alice', rejected: 'tok-alice' }]);
    expect(seen.filter((s) => s.url === `${ORIGIN}/mcp`).map((s) => s.auth)).toEqual(['Bearer tok-alice', 'Bearer tok-alice-refreshed']);
  });

  it('without a grant: the consent reply (URL elicitation or isError link) and no request', async () => {
    const { up, seen } = setup({});
    const plain = (await up.callTool(ctx('carol'), 'whoami', {})) as { isError: boolean; content: { text: string }[] };
    expect(plain.isError).toBe(true);
    expect(plain.content[0].text).toContain('https://hub.example/oauth/upstream/start?h=carol-1');
    await expect(up.callTool(ctx('carol', { elicitation: { url: {} } }), 'whoami', {})).rejects.toMatchObject({
      code: -32042,
      data: { elicitations: [{ mode: 'url', url: 'https://hub.example/oauth/upstream/start?h=carol-2' }] },
    });
    const modern = await up.callTool({ ...ctx('carol', { elicitation: { url: {} } }), lane: 'modern' }, 'whoami', {});
    expect(modern).toMatchObject({ resultType: 'input_required' });
    expect(seen).toEqual([]);
  });

  it(`keeps at most ${MAX_PRINCIPALS} connections`, async () => {
    const tokens = Object.fromEntries(Array.from({ length: MAX_PRINCIPALS + 5 }, (_, i) => [`u${i}`, `t${i}`]));
    let built = 0;
    let closed = 0;
    const { up } = setup(tokens);
    const inner = (up as unknown as { opts: { build: (f: typeof fetch) => Provider } }).opts;
    const build = inner.build;
    inner.build = (f) => {
      built++;
      return { ...build(f), close: async () => void closed++ };
    };
    for (let i = 0; i < MAX_PRINCIPALS + 5; i++) await up.callTool(ctx(`u${i}`), 'whoami', {});
    expect(built).toBe(MAX_PRINCIPALS + 5);
    expect(closed).toBe(5);
  });
});
