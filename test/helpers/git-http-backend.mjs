// A loopback server running native `git http-backend` as CGI for every request, its output
// streamed back: the reference git remote of the git e2e tests (clone, push) and the clone
// benchmark. Plain ESM so both vitest and the Node bench scripts load it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

/**
 * Serves every repository under `root` (clone and push; REMOTE_USER is set so receive-pack runs
 * where `http.receivepack` is enabled). `env` is the caller's git environment.
 * @param {string} root
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startHttpBackend(root, env) {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'edgehub-test',
        REMOTE_ADDR: '127.0.0.1',
        PATH_INFO: u.pathname,
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (d) => {
      if (started) return void res.write(d);
      head = Buffer.concat([head, d]);
      const sep = head.indexOf('\r\n\r\n');
      if (sep < 0) return;
      started = true;
      let status = 200;
      /** @type {Record<string, string>} */
      const headers = {};
      for (const h of head.subarray(0, sep).toString('utf8').split('\r\n')) {
        const i = h.indexOf(':');
        const k = h.slice(0, i).trim();
        const v = h.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + 4));
    });
    cgi.on('close', () => (started ? res.end() : res.writeHead(500).end()));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(() => r(undefined))) };
}
