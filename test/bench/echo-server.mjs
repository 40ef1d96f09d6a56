#!/usr/bin/env node
// A trivial MCP server for the connector bench: one `echo` tool, the same code over stdio (default)
// or over sessionful Streamable HTTP (`--port N`, 0 = a free one; prints `LISTENING <port>`).
// SDK 1.x low-level Server: no schema library, so the tool costs next to nothing on either transport.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const { values: opt } = parseArgs({ options: { port: { type: 'string' } } });

function server() {
  const s = new Server({ name: 'bench-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  s.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: 'echo', description: 'Echoes the message', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } }],
  }));
  s.setRequestHandler(CallToolRequestSchema, async (req) => ({ content: [{ type: 'text', text: `Echo: ${req.params.arguments?.message ?? ''}` }] }));
  return s;
}

if (opt.port === undefined) await server().connect(new StdioServerTransport());
else {
  /** @type {Map<string, StreamableHTTPServerTransport>} */
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let t = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!t) {
      if (req.method !== 'POST' || sid) return res.writeHead(404).end();
      t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => sessions.set(id, t),
      });
      t.onclose = () => t.sessionId && sessions.delete(t.sessionId);
      await server().connect(t);
    }
    await t.handleRequest(req, res);
  });
  http.listen(Number(opt.port), '127.0.0.1', () => console.log(`LISTENING ${http.address().port}`));
}
