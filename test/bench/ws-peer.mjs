#!/usr/bin/env node
// The peer of the connector bench's platform section (test/bench/connector.mjs): one process that
// answers a JSON-RPC request with an empty result both ways the edge can reach it —
//   HTTP       a raw node:http server (no MCP SDK): `LISTENING <port>`
//   WebSocket  dials the bare Worker's Relay DO (`--ws URL`, as `edgehub connect` dials its
//              ConnectorDO, with Node's global WebSocket) and answers each `<id>\n<body>` frame
//              with `<id>\n<reply>`: `WS-OPEN` once connected; without permessage-deflate, as
//              the connector dials (withoutDeflate in src/cli/lib/connector-link.mjs)
// The same reply bytes and the same JSON work either way, so the two differ only in the hop.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { withoutDeflate } from '../../src/cli/lib/connector-link.mjs';

const { values: opt } = parseArgs({ options: { ws: { type: 'string' } } });
const reply = (body) => JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result: {} });

const http = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(reply(body)));
});
http.listen(0, '127.0.0.1', () => console.log(`LISTENING ${http.address().port}`));

if (opt.ws) {
  await fetch(new URL('/health', opt.ws.replace(/^ws/, 'http'))).catch(() => {}); // creates Node's global dispatcher
  const ws = new WebSocket(opt.ws, withoutDeflate());
  ws.onopen = () => console.log('WS-OPEN');
  ws.onmessage = (ev) => {
    const nl = ev.data.indexOf('\n');
    ws.send(`${ev.data.slice(0, nl)}\n${reply(ev.data.slice(nl + 1))}`);
  };
  ws.onclose = () => process.exit(0);
}
process.on('SIGTERM', () => process.exit(0));
