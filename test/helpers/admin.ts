/** Admin API calls for e2e tests (dev-open instance: no token needed). */
export async function admin(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/admin/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, headers: r.headers, text };
}

export async function mount(base: string, name: string, entry: Record<string, unknown>) {
  const r = await admin(base, 'PUT', `/servers/${name}`, entry);
  if (r.status !== 200) throw new Error(`mount ${name} failed: ${r.status} ${r.text}`);
  return r.json.version as number;
}

/** Puts back the config a test file saved at its start (mount checks off: its upstreams may be gone by now). */
export async function restoreConfig(base: string, original: unknown) {
  const cur = await admin(base, 'GET', '/config');
  return admin(base, 'PUT', '/config?check=false', original, { 'if-match': cur.headers.get('etag')! });
}
