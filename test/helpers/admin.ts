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
