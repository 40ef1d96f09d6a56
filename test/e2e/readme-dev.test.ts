// The README's first command, as written: `npm run dev` serves edgehub on 127.0.0.1:8787 with the
// embedded default config (built-in git server mounted) and dev-open auth on loopback only.
import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../helpers/wrangler';

let pid: number | undefined;

afterAll(() => {
  // Only the process group this test started (npm → wrangler → workerd).
  if (pid) process.kill(-pid, 'SIGTERM');
});

it('npm run dev serves /health and /mcp with the built-in git server mounted', { timeout: 120_000 }, async () => {
  const probe = await fetch('http://127.0.0.1:8787/health').catch(() => null);
  if (probe) throw new Error('port 8787 is already in use: stop whatever serves it to run this test');
  const child = spawn('npm', ['run', 'dev'], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  });
  pid = child.pid;
  const deadline = Date.now() + 90_000;
  let health: Response | null = null;
  while (Date.now() < deadline) {
    health = await fetch('http://127.0.0.1:8787/health').catch(() => null);
    if (health?.ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(health?.status).toBe(200);
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const r = await fetch('http://127.0.0.1:8787/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'hub_status',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hub_status', arguments: {}, _meta: meta } }),
  });
  const status = ((await r.json()) as any).result.structuredContent;
  const git = status.servers.find((s: any) => s.name === 'git');
  expect(git).toMatchObject({ kind: 'builtin', state: 'ok' });
  expect(git.tools).toBeGreaterThanOrEqual(12);
  // dev-open serves loopback only: a foreign Host is refused.
  const { request } = await import('node:http');
  const code = await new Promise<number>((res, rej) => {
    const req = request(
      { host: '127.0.0.1', port: 8787, path: '/mcp', method: 'POST', headers: { host: 'evil.example.com', 'content-type': 'application/json' } },
      (resp) => {
        resp.resume();
        res(resp.statusCode ?? 0);
      },
    );
    req.on('error', rej);
    req.end('{}');
  });
  expect(code).toBe(403);
});
