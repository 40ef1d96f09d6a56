/**
 * A stateless MCP upstream (official SDK server, JSON replies) with one read-only tool `ping`,
 * recording the headers of every request it receives: the attack and auth suites search them for
 * tokens and secrets that must never reach an upstream.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface RecordingUpstream {
  /** The MCP endpoint: `http://127.0.0.1:PORT/mcp`. */
  url: string;
  /** Headers of every request, in arrival order. */
  seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer(async (req, res) => {
    seen.push(req.headers);
    const mcp = new McpServer({ name: 'recorder', version: '1.0.0' });
    mcp.registerTool('ping', { description: 'answers pong', annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
