/**
 * A byte stream (an SSE body, a config watch) read as text for a test: `until(marker)` reads on
 * until the text so far holds `marker` or the stream ends, and returns all of it (an early end
 * fails the caller's assertions, which say what was missing).
 */
export function textReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  let text = '';
  return {
    async until(marker: string): Promise<string> {
      while (!text.includes(marker)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      return text;
    },
    cancel: () => reader.cancel(),
  };
}
