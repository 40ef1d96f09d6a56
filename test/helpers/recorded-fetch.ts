/**
 * fetch for the attack and auth suites: every reply (status, headers, text) is kept in `into`, so a
 * suite can finally search all of them for tokens and secrets. JSON bodies are parsed; an SSE body
 * yields its JSON-RPC result or error message.
 */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function recordedFetch(into: string[], url: string, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(url, init);
  const text = await r.text();
  into.push(`${r.status} ${JSON.stringify([...r.headers])} ${text}`);
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* SSE or empty */
  }
  if (!json && text.includes('data:')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
    json = data.find((m) => 'result' in m || 'error' in m) ?? null;
  }
  return { status: r.status, headers: r.headers, text, json };
}
