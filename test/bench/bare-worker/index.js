// Platform reference for the bench (see wrangler.toml). Routes:
//   GET  /health        → a constant JSON body (the floor: one inbound request)
//   *    /bytes?n=N     → a JSON body of N bytes, built once (a reply as large as edgehub's, e.g. a
//                         500-tool tools/list, with none of its work)
//   PUT  /body          → stores the request body in the Worker's isolate
//   *    /body          → that stored body (e.g. edgehub's own tools/list reply: same bytes, same
//                         parsing work for the client, none of the gateway's work)
//   PUT  /do-body       → stores the request body in the DO named by `Mcp-Session-Id`
//   *    /do-body       → that DO's stored body, returned as a Response over RPC
//   POST /fetch?u=URL   → the request body POSTed to URL, the reply streamed back (+ one outbound hop)
//   POST /do?u=URL      → the same, from inside a Durable Object named by `Mcp-Session-Id`
//                         (+ a Worker → DO hop, like edgehub's sessionful lane)
//   POST /do-echo       → the request's JSON-RPC id answered with an empty result by that DO
//                         (the DO hop alone: what a 2025-lane `ping` costs the platform)
//   GET  /peer          → WebSocket (hibernation API) of the bench's peer process, held by the Relay DO
//   POST /ws            → the body sent as one frame to that peer, its answer frame returned
//                         (Worker → DO → WebSocket round trip: the connector's frame hop alone)
//   POST /do-rpc        → Worker → DO → RPC to the Relay DO, answered there (a second DO hop)
//   POST /do-stream     → Worker → DO → RPC to the Relay DO, whose reply comes back on a byte
//                         stream it returned once (edgehub's ConnectorTransport: send + stream)
//   POST /do-callback   → the same, the reply coming back as an RPC call of a function passed once
//   POST /do-loop?n=N   → N rounds of RPC return / stream / callback, timed inside the DO (ms each)
//   POST /do-ws         → Worker → DO → RPC to the Relay DO → WebSocket round trip to the peer
//                         (the connector's topology: session DO → connector DO → connector)
// Only loopback targets: it exists for `npm run bench` on 127.0.0.1.
import { DurableObject } from 'cloudflare:workers';

const PASS = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name'];

function picked(request) {
  const headers = {};
  for (const h of PASS) {
    const v = request.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  return headers;
}

async function forward(target, headers, body) {
  const u = new URL(target);
  if (u.hostname !== '127.0.0.1') return new Response('loopback only', { status: 400 });
  const r = await fetch(u, { method: 'POST', headers, body });
  return new Response(r.body, { status: r.status, headers: { 'content-type': r.headers.get('content-type') ?? 'application/json' } });
}

// Reached over Durable Object RPC, as edgehub's SessionDO is.
const bodies = new Map();
function sized(n) {
  const len = Math.max(12, Math.min(Number.isFinite(n) ? n : 0, 8 * 1024 * 1024));
  if (!bodies.has(len)) bodies.set(len, `{"pad":"${'x'.repeat(len - 10)}"}`);
  return bodies.get(len);
}

let stored = '{}';
const json = (text) => new Response(text, { headers: { 'content-type': 'application/json' } });

export class Hop extends DurableObject {
  #body = '{}';
  forward(target, headers, body) {
    return forward(target, headers, body);
  }
  store(body) {
    this.#body = body;
  }
  body() {
    return json(this.#body);
  }
  echo(body) {
    return echo(body);
  }
  viaRelay(body, ws) {
    const relay = this.env.RELAY.get(this.env.RELAY.idFromName('peer'));
    return ws ? relay.relay(body) : relay.echo(body);
  }
  // The reply comes back on a byte stream the second DO returned once (edgehub's ConnectorTransport).
  #reader = null;
  #waiting = [];
  async viaStream(body) {
    const relay = this.env.RELAY.get(this.env.RELAY.idFromName('peer'));
    const key = this.ctx.id.toString();
    if (!this.#reader) {
      this.#reader = (await relay.attachStream(key)).getReader();
      void this.#pump(this.#reader);
    }
    const reply = new Promise((r) => this.#waiting.push(r));
    await relay.post(key, body);
    return reply;
  }
  async #pump(reader) {
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        this.#waiting.shift()?.(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    }
  }
  // `n` rounds of each way back, alternated, timed inside this object (no proxy, no client):
  // average ms per round trip. Timers advance at I/O, which every round trip is.
  async loop(n) {
    const ways = { rpc: (b) => this.viaRelay(b, false), stream: (b) => this.viaStream(b), callback: (b) => this.viaCallback(b) };
    const ms = { rpc: 0, stream: 0, callback: 0 };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    for (const way of Object.keys(ways)) await ways[way](body);
    for (let i = 0; i < n; i++)
      for (const way of i % 2 ? Object.keys(ways).reverse() : Object.keys(ways)) {
        const t = performance.now();
        await ways[way](body);
        ms[way] += performance.now() - t;
      }
    return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / n]));
  }
  // The reply comes back as an RPC call of a function the first DO passed once.
  #attached = null;
  #pending = [];
  async viaCallback(body) {
    const relay = this.env.RELAY.get(this.env.RELAY.idFromName('peer'));
    const key = this.ctx.id.toString();
    this.#attached ??= relay.attachCallback(key, (line) => {
      this.#pending.shift()?.(line);
    });
    await this.#attached;
    const reply = new Promise((r) => this.#pending.push(r));
    await relay.postCallback(key, body);
    return reply;
  }
}

const encoder = new TextEncoder();
const echo = (body) => JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result: {} });

// Holds the peer's WebSocket (hibernation API, as edgehub's ConnectorDO): a frame is `<id>\n<body>`,
// the peer answers `<id>\n<reply>`; the RPC that sent it resolves with the reply.
export class Relay extends DurableObject {
  #pending = new Map();
  #next = 0;
  fetch() {
    for (const old of this.ctx.getWebSockets()) old.close(1000, 'replaced');
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  relay(body) {
    const ws = this.ctx.getWebSockets()[0];
    if (!ws) throw new Error('no peer connected');
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      ws.send(`${id}\n${body}`);
    });
  }
  echo(body) {
    return echo(body);
  }
  #streams = new Map();
  #callbacks = new Map();
  attachStream(key) {
    return new ReadableStream({ start: (c) => this.#streams.set(key, c) });
  }
  post(key, body) {
    this.#streams.get(key).enqueue(encoder.encode(`${echo(body)}\n`));
  }
  attachCallback(key, cb) {
    this.#callbacks.set(key, cb.dup());
  }
  postCallback(key, body) {
    this.#callbacks.get(key)(echo(body));
  }
  webSocketMessage(_ws, msg) {
    const nl = msg.indexOf('\n');
    const id = Number(msg.slice(0, nl));
    this.#pending.get(id)?.(msg.slice(nl + 1));
    this.#pending.delete(id);
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return Response.json({ status: 'ok' });
    if (url.pathname === '/do-echo') {
      const stub = env.HOP.get(env.HOP.idFromName(request.headers.get('mcp-session-id') ?? 'x'));
      return request.text().then(async (body) => new Response(await stub.echo(body), { headers: { 'content-type': 'application/json' } }));
    }
    const relay = () => env.RELAY.get(env.RELAY.idFromName('peer'));
    if (url.pathname === '/peer') return relay().fetch(request);
    if (url.pathname === '/ws') return request.text().then(async (body) => json(await relay().relay(body)));
    if (url.pathname === '/do-loop') {
      const stub = env.HOP.get(env.HOP.idFromName('loop'));
      return request.text().then(async () => Response.json(await stub.loop(Number(url.searchParams.get('n') ?? 200))));
    }
    if (url.pathname === '/do-stream' || url.pathname === '/do-callback') {
      const stub = env.HOP.get(env.HOP.idFromName(request.headers.get('mcp-session-id') ?? 'x'));
      return request.text().then(async (body) => json(await (url.pathname === '/do-stream' ? stub.viaStream(body) : stub.viaCallback(body))));
    }
    if (url.pathname === '/do-rpc' || url.pathname === '/do-ws') {
      const stub = env.HOP.get(env.HOP.idFromName(request.headers.get('mcp-session-id') ?? 'x'));
      return request.text().then(async (body) => json(await stub.viaRelay(body, url.pathname === '/do-ws')));
    }
    const hop = () => env.HOP.get(env.HOP.idFromName(request.headers.get('mcp-session-id') ?? 'x'));
    if (request.method === 'PUT' && (url.pathname === '/body' || url.pathname === '/do-body'))
      return request.text().then(async (body) => {
        if (url.pathname === '/body') stored = body;
        else await hop().store(body);
        return new Response(null, { status: 204 });
      });
    if (url.pathname === '/body') return request.text().then(() => json(stored));
    if (url.pathname === '/do-body') return request.text().then(() => hop().body());
    if (url.pathname === '/bytes')
      return request.text().then(() => new Response(sized(Number(url.searchParams.get('n'))), { headers: { 'content-type': 'application/json' } }));
    const target = url.searchParams.get('u');
    if (!target) return new Response('missing u', { status: 400 });
    if (url.pathname === '/fetch') return request.text().then((body) => forward(target, picked(request), body));
    if (url.pathname === '/do') {
      const stub = env.HOP.get(env.HOP.idFromName(request.headers.get('mcp-session-id') ?? 'x'));
      return request.text().then((body) => stub.forward(target, picked(request), body));
    }
    return new Response('not found', { status: 404 });
  },
};
