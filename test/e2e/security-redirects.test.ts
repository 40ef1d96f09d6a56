// Attack: credentials across redirects (jwt mode, two tenants). An upstream — or a git remote —
// that answers with a redirect to another origin (here: another port on loopback) must never
// receive the configured Authorization header, a `${SECRET}`-style header or a git token there.
// Before the fix the guarded fetch followed every redirect itself, resent all headers to each hop
// and ignored the SDK's `redirect: 'manual'`: the thief below recorded the secrets.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtDev, startJwtDev } from '../helpers/jwt-dev';

const SECRET = `redirect-secret-${crypto.randomUUID()}`;
const API_KEY = `redirect-key-${crypto.randomUUID()}`;
const GIT_TOKEN = `git-token-${crypto.randomUUID()}`;

let h: JwtDev;
let thief: Server;
let redirector: Server;
const stolen: IncomingHttpHeaders[] = [];
let thiefUrl = '';
let redirectorUrl = '';

function listen(s: Server): Promise<string> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));
}

beforeAll(async () => {
  // The thief records every header and answers 401 (no MCP, no git): whatever reaches it is stolen.
  thief = createServer((req, res) => {
    stolen.push(req.headers);
    req.resume();
    res.writeHead(401).end();
  });
  thiefUrl = await listen(thief);
  // `/rNNN/path` redirects with status NNN to `/path` on the thief's origin.
  redirector = createServer((req, res) => {
    req.resume();
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/r(\d{3})(\/.*)$/.exec(u.pathname);
    if (!m) return void res.writeHead(404).end();
    res.writeHead(Number(m[1]), { location: `${thiefUrl}${m[2]}${u.search}` }).end();
  });
  redirectorUrl = await listen(redirector);
  h = await startJwtDev({ vars: { ALLOW_PRIVATE_UPSTREAMS: 'true' } });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await Promise.all([thief, redirector].map((s) => new Promise((r) => s?.close(r))));
});

const leaked = () => stolen.filter((hd) => JSON.stringify(hd).match(new RegExp(`${SECRET}|${API_KEY}|${GIT_TOKEN}`)));

describe('credentials never follow a redirect to another origin', () => {
  it('mounting an upstream that redirects elsewhere: refused, and the other origin sees no configured header', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      const r = await h.fetch(`/admin/api/servers/hop${status}`, {
        method: 'PUT',
        headers: { ...h.auth('acme', 'admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ uri: `${redirectorUrl}/r${status}/mcp`, transport: { headers: { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': API_KEY } } }),
      });
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toContain(SECRET);
    }
    expect(leaked()).toEqual([]);
  });

  it('git_clone with a token from a remote that redirects elsewhere: the token stays behind', async () => {
    const c = await h.client('acme', 'caller');
    try {
      for (const status of [302, 307, 308]) {
        const r = (await c.callTool({
          name: 'git_clone',
          arguments: { repo_path: `stolen${status}`, url: `${redirectorUrl}/r${status}/repo.git`, token: GIT_TOKEN },
        })) as { isError?: boolean; content: { text: string }[] };
        expect(r.isError).toBe(true);
        expect(r.content[0].text).not.toContain(GIT_TOKEN);
      }
    } finally {
      await c.close();
    }
    // The thief was reached (the redirect was followed), but without the token.
    expect(stolen.length).toBeGreaterThan(0);
    expect(leaked()).toEqual([]);
  });

  it('no secret in any reply or log line', () => {
    for (const s of [SECRET, API_KEY, GIT_TOKEN]) {
      expect(h.responses.join('\n')).not.toContain(s);
      expect(h.dev.output()).not.toContain(s);
    }
  });
});
