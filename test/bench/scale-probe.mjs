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
/**
 * Runs inspector commands in order on the Worker's isolate (all its DOs share it under wrangler
 * dev); resolves with their results, or null when the inspector is unavailable.
 */
async function inspect(inspectorUrl, commands, timeoutMs = 20_000) {
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
      const results = [];
      const end = (v) => {
        clearTimeout(t);
        ws.close();
        res(v);
      };
      const t = setTimeout(() => end(null), timeoutMs);
      const next = () => ws.send(JSON.stringify({ id: results.length + 1, ...commands[results.length] }));
      ws.onopen = next;
      ws.onclose = () => end(null);
      ws.onerror = () => end(null);
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data));
        if (m.id !== results.length + 1) return;
        results.push(m.result ?? null);
        if (results.length === commands.length) end(results);
        else next();
      };
    });
  } catch (e) {
    if (!warned) console.error('[bench:scale] isolate heap unavailable:', e?.message);
    warned = true;
    return null;
  }
}

const mb = (r) => (r?.usedSize ? round(r.usedSize / 2 ** 20) : null);

/** V8 heap in use (MB) of the Worker's isolate, garbage included (what was there to collect), or null. */
export async function isolateHeapMb(inspectorUrl) {
  const r = await inspect(inspectorUrl, [{ method: 'Runtime.getHeapUsage' }], 5000);
  return r ? mb(r[0]) : null;
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

/**
 * One inspector session on the Worker's isolate (the inspector takes one client at a time), for
 * the git-at-size samples:
 * - `heap()`: the V8 heap before and after a full GC — `raw` includes garbage not yet collected,
 *   `live` is what the isolate really holds (the figure to set against the 128 MB limit). workerd
 *   runs the GC that `HeapProfiler.collectGarbage` asks for only when the isolate is next entered,
 *   so the probe sends requests to `pokeUrl` (GET /health) until the GC has answered.
 * - `top()` (with `profile`, SCALE_GIT_HEAP_PROFILE=1): a sampling heap profile after a GC — where
 *   the objects still alive were allocated (function, script:line ← callers), largest first.
 * Forcing a GC pauses the isolate: the timings of a run sampled this way are a little slower.
 */
export async function isolateProbe(inspectorUrl, pokeUrl, { profile = false } = {}) {
  const targets = await fetch(`${inspectorUrl}/json`).then((r) => r.json());
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) return null;
  const ws = new WebSocket(url, { headers: { origin: 'https://devtools.devprod.cloudflare.dev' } });
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = () => rej(new Error('inspector websocket failed'));
  });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    waiting.get(m.id)?.(m.result ?? null);
    waiting.delete(m.id);
  };
  ws.onclose = () => {
    for (const w of waiting.values()) w(null);
    waiting.clear();
  };
  const send = (method, params = {}, timeoutMs = 60_000) =>
    new Promise((res) => {
      const k = ++id;
      const t = setTimeout(() => {
        waiting.delete(k);
        res(null);
      }, timeoutMs);
      waiting.set(k, (v) => {
        clearTimeout(t);
        res(v);
      });
      ws.send(JSON.stringify({ id: k, method, params }));
    });
  const gc = async () => {
    let done = false;
    const collected = send('HeapProfiler.collectGarbage').then(() => (done = true));
    while (!done) {
      await Promise.race([
        fetch(pokeUrl)
          .then((r) => r.arrayBuffer())
          .catch(() => {}),
        collected,
      ]);
      if (!done) await Promise.race([new Promise((r) => setTimeout(r, 100)), collected]);
    }
  };
  const mb = (n) => (n ? round(n / 2 ** 20) : null);
  if (profile) {
    await send('HeapProfiler.enable');
    await send('HeapProfiler.startSampling', { samplingInterval: 32768 });
  }
  return {
    /**
     * `raw`/`live`: V8 heap objects (usedSize) before/after the GC; `rawTotal`/`liveTotal` add the
     * ArrayBuffer backing stores (backingStorageSize: object bytes, push bodies), which live
     * outside the V8 heap but count against the isolate's memory all the same.
     */
    async heap() {
      const before = await send('Runtime.getHeapUsage');
      await gc();
      const after = await send('Runtime.getHeapUsage');
      const total = (r) => (r ? mb((r.usedSize ?? 0) + (r.backingStorageSize ?? 0)) : null);
      return { raw: mb(before?.usedSize), live: mb(after?.usedSize), rawTotal: total(before), liveTotal: total(after) };
    },
    async top(n = 25) {
      if (!profile) return [];
      await gc();
      const { profile: p } = (await send('HeapProfiler.getSamplingProfile')) ?? {};
      if (!p) return [];
      const sites = new Map();
      const walk = (node, stack) => {
        const f = node.callFrame;
        const here = `${f.functionName || '(anonymous)'} ${String(f.url).split('/').pop()}:${f.lineNumber + 1}`;
        const path = [...stack, here].slice(-4);
        const key = [...path].reverse().join(' < ');
        if (node.selfSize) sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
        for (const c of node.children ?? []) walk(c, path);
      };
      walk(p.head, []);
      return [...sites.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([site, bytes]) => ({ mb: round(bytes / 2 ** 20), site }));
    },
    async close() {
      // Sampling outlives the session otherwise, and the next session's profile would include it.
      if (profile) await send('HeapProfiler.stopSampling', {}, 10_000);
      ws.close();
    },
  };
}
