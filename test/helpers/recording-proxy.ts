/**
 * A recording HTTP proxy in front of a real upstream (e.g. the conformance fixture): every request's
 * headers and parsed JSON body are kept, then the request is forwarded unchanged and the reply
 * streamed back. `failCalls` makes it answer tools/call with HTTP 500 (an upstream outage).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

export interface Recorded {
  headers: IncomingHttpHeaders;
  body: any;
}

export interface RecordingProxy {
  url: string;
  seen: Recorded[];
  failCalls: boolean;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const state = { seen: [] as Recorded[], failCalls: false };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    let body: any = null;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : null;
    } catch {
      /* not JSON */
    }
    state.seen.push({ headers: req.headers, body });
    if (state.failCalls && body?.method === 'tools/call') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('injected outage');
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    try {
      const r = await fetch(`${target}${req.url ?? ''}`, { method: req.method, headers, body: raw.length ? raw : undefined, signal: ac.signal });
      const out: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
      });
      res.writeHead(r.status, out);
      if (r.body) {
        const body = Readable.fromWeb(r.body as never);
        body.on('error', () => res.end()); // the client went away (aborted above)
        body.pipe(res);
      } else res.end();
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get seen() {
      return state.seen;
    },
    get failCalls() {
      return state.failCalls;
    },
    set failCalls(v: boolean) {
      state.failCalls = v;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
