// Scale bench probes: workerd memory (process RSS from /proc; V8 heap of the Worker's isolate over
// the inspector protocol, where wrangler dev exposes it), idle CPU, and live streams that count
// `tools/list_changed` arrivals (2025 GET streams and 2026 `subscriptions/listen` streams).
import { readFileSync } from 'node:fs';
import { cpuSeconds, descendants, round } from './lib.mjs';

const J = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Resident memory (MB) of the workerd processes under wrangler dev's pid. */
export function workerdRssMb(pid) {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'workerd') continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return round(kb / 1024);
}

let warned = false;
/** V8 heap in use (MB) of the Worker's isolate (all its DOs share it under wrangler dev), or null. */
export async function isolateHeapMb(inspectorUrl) {
  try {
    const targets = await fetch(`${inspectorUrl}/json`).then((r) => r.json());
    const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    if (!url || typeof WebSocket === 'undefined') {
      if (!warned) console.error('[bench:scale] no isolate inspector target:', JSON.stringify(targets).slice(0, 300), typeof WebSocket);
      warned = true;
      return null;
    }
    // wrangler's inspector proxy accepts only its devtools origin (undici's WebSocket takes headers).
    const ws = new WebSocket(url, { headers: { origin: 'https://devtools.devprod.cloudflare.dev' } });
    return await new Promise((res) => {
      const end = (v) => {
        clearTimeout(t);
        ws.close();
        res(v);
      };
      const t = setTimeout(() => end(null), 5000);
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }));
      ws.onclose = () => end(null);
      ws.onerror = () => end(null);
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data));
        if (m.id === 1) end(m.result?.usedSize ? round(m.result.usedSize / 2 ** 20) : null);
      };
    });
  } catch (e) {
    if (!warned) console.error('[bench:scale] isolate heap unavailable:', e?.message);
    warned = true;
    return null;
  }
}

/** CPU ms per wall second used by workerd over `ms` of idleness. */
export async function idleCpu(pid, ms = 3000) {
  const c0 = cpuSeconds(descendants(pid));
  await new Promise((r) => setTimeout(r, ms));
  return round(((cpuSeconds(descendants(pid)) - c0) * 1000) / (ms / 1000));
}

/** Reads an SSE body, calling `hit()` for each `tools/list_changed`; resolves `acked` on the first frame. */
function watch(res, hit) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ack;
  const acked = new Promise((r) => (ack = r));
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        ack();
        let i = buf.indexOf('tools/list_changed');
        while (i >= 0) {
          hit();
          buf = buf.slice(i + 18);
          i = buf.indexOf('tools/list_changed');
        }
        if (buf.length > 4096) buf = buf.slice(-64);
      }
    } catch {
      /* aborted at the end */
    } finally {
      ack();
    }
  })();
  return { acked, done };
}

/** A pool of live streams; `arrivals[kind]` collects arrival times of list_changed since `reset()`. */
export function streamPool(mcp) {
  const ac = new AbortController();
  const arrivals = { legacy: [], listen: [] };
  const done = [];
  const hit = (kind) => () => arrivals[kind].push(performance.now());
  return {
    arrivals,
    reset: () => {
      arrivals.legacy = [];
      arrivals.listen = [];
    },
    async legacyStream(sid) {
      const res = await fetch(mcp, {
        signal: ac.signal,
        headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      });
      if (!res.ok) throw new Error(`GET stream: ${res.status}`);
      const w = watch(res, () => hit('legacy')());
      done.push(w.done);
    },
    async listenStream(id) {
      const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
      const res = await fetch(mcp, {
        method: 'POST',
        signal: ac.signal,
        headers: { ...J, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { _meta: meta, notifications: { toolsListChanged: true } } }),
      });
      if (!res.ok) throw new Error(`listen: ${res.status} ${await res.text()}`);
      const w = watch(res, () => hit('listen')());
      done.push(w.done);
      await w.acked;
    },
    async close() {
      ac.abort();
      await Promise.allSettled(done);
    },
  };
}

/** Runs `op(i)` for i < n with `c` workers. */
export async function pool(n, c, op) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) await op(next++);
    }),
  );
}

export const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? round(s[Math.floor(s.length / 2)]) : null;
};
