/**
 * A 2026-07-28 `subscriptions/listen` stream for the tests: opened with the envelope and headers
 * the revision requires, its SSE body read as text until a pattern shows up (`read(until)` waits
 * at most `timeoutMs` each time, then returns: the test's own assertion says what was missing).
 */
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

export async function openListen(url: string, id: number, headers: Record<string, string> = {}, timeoutMs = 10_000) {
  const ac = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    signal: ac.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'subscriptions/listen',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { _meta: META, notifications: { toolsListChanged: true } } }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .getReader();
  let text = '';
  return {
    res,
    text: () => text,
    close: () => ac.abort(),
    async read(until: RegExp): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!until.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    },
  };
}
