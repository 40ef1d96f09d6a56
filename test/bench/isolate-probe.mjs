// Live Durable Object instances and the live V8 heap of wrangler dev's isolate, read over its
// inspector (Chrome DevTools Protocol). Why not RSS: workerd keeps the memory of evicted objects
// mapped (its RSS does not fall), while the isolate's live objects and heap do.
// How: `Runtime.queryObjects(DurableObject.prototype)` returns every live instance of a class that
// extends DurableObject. V8 runs a full garbage collection before it walks the heap, so what it
// returns is alive, and `Runtime.getHeapUsage` right after is the live heap. The DO classes are
// module exports (no global name): DurableObject's prototype is found through the classes that
// extend it, among all functions (`queryObjects(Function.prototype)`). Nothing in src/ helps.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { descendants, round } from './lib.mjs';

// wrangler's inspector proxy accepts only its devtools origin (undici's WebSocket takes headers).
const ORIGIN = 'https://devtools.devprod.cloudflare.dev';

/** A CDP connection to the isolate's first target: `send(method, params)` → result (throws on error). */
export async function cdpConnect(inspectorUrl, timeoutMs = 30_000) {
  const targets = await fetch(`${inspectorUrl}/json`).then((r) => r.json());
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target: ${JSON.stringify(targets).slice(0, 300)}`);
  const ws = new WebSocket(url, { headers: { origin: ORIGIN } });
  const pending = new Map();
  const events = [];
  let seq = 0;
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    const p = m.id !== undefined && pending.get(m.id);
    if (!p) return events.push(m);
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
    else p.resolve(m.result);
  };
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = () => rej(new Error('inspector connection failed'));
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { method, resolve, reject, timer });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, events, close: () => ws.close() };
}

/**
 * Opens a probe of the isolate's Durable Objects. `poke()` makes the Worker serve one request:
 * workerd delivers the execution context's announcement only while the isolate runs.
 * `sample()` → { classes: { SessionDO: n, … }, cohorts: { name: n }, heapMb } after a full GC.
 */
export async function objectProbe(inspectorUrl, poke) {
  const cdp = await cdpConnect(inspectorUrl);
  const { send } = cdp;
  // Re-enabling makes V8 announce its contexts again (wrangler's proxy already enabled Runtime).
  await send('Runtime.disable');
  await send('Runtime.enable');
  let context;
  for (let i = 0; i < 50 && !context; i++) {
    await poke();
    await new Promise((r) => setTimeout(r, 100));
    context = cdp.events.find((e) => e.method === 'Runtime.executionContextCreated')?.params.context;
  }
  if (!context) throw new Error('the isolate announced no execution context');
  const fnProto = await send('Runtime.evaluate', { expression: 'Function.prototype', contextId: context.id, objectGroup: 'setup' });
  const fns = await send('Runtime.queryObjects', { prototypeObjectId: fnProto.result.objectId, objectGroup: 'setup' });
  // DurableObject.prototype as the user classes see it (extends DurableObject from cloudflare:workers).
  const base = await send('Runtime.callFunctionOn', {
    objectId: fns.objects.objectId,
    functionDeclaration: `function () {
      for (const f of this) { const p = Object.getPrototypeOf(f); if (typeof p === 'function' && p.name === 'DurableObject' && f.prototype) return p.prototype; }
      return null;
    }`,
    objectGroup: 'keep',
  });
  await send('Runtime.releaseObjectGroup', { objectGroup: 'setup' });
  if (base.result.subtype === 'null') throw new Error('no class extending DurableObject in the isolate');
  const baseId = base.result.objectId;
  let cohortsId = null;

  return {
    /** Names objects by id name (`{tenant}:{sessionId}` → cohort) so `sample()` counts them per cohort. */
    async setCohorts(byName) {
      const r = await send('Runtime.callFunctionOn', {
        objectId: baseId,
        functionDeclaration: 'function (m) { return new Map(Object.entries(m)); }',
        arguments: [{ value: byName }],
        objectGroup: 'keep',
      });
      cohortsId = r.result.objectId;
    },
    async sample() {
      const live = await send('Runtime.queryObjects', { prototypeObjectId: baseId, objectGroup: 'sample' });
      const counted = await send('Runtime.callFunctionOn', {
        objectId: live.objects.objectId,
        // Prototypes (a subclass's prototype also inherits from DurableObject's) own `constructor`.
        functionDeclaration: `function (cohorts) {
          const classes = {}, byCohort = {};
          for (const o of this) {
            if (Object.hasOwn(o, 'constructor')) continue;
            const c = o.constructor?.name ?? '?';
            classes[c] = (classes[c] ?? 0) + 1;
            const k = cohorts?.get(o.ctx?.id?.name ?? '');
            if (k) byCohort[k] = (byCohort[k] ?? 0) + 1;
          }
          return { classes, byCohort };
        }`,
        arguments: [cohortsId ? { objectId: cohortsId } : { value: null }],
        returnByValue: true,
        objectGroup: 'sample',
      });
      const heap = await send('Runtime.getHeapUsage');
      await send('Runtime.releaseObjectGroup', { objectGroup: 'sample' });
      const { classes, byCohort } = counted.result.value;
      return { classes, cohorts: byCohort, heapMb: round(heap.usedSize / 2 ** 20) };
    },
    close: () => cdp.close(),
  };
}

/**
 * The URL of the workerd that runs the Worker, behind wrangler dev's proxy (found among the ports
 * its workerd processes listen on, by `/health`). The proxy holds its connection to the runtime
 * when a client goes away, so a stream closed through it stays open at the object: requests that
 * must show what a client disconnect does go here directly.
 */
export async function runtimeUrl(dev) {
  const inodes = new Set();
  for (const pid of descendants(dev.proc.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'workerd') continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      }
    } catch {
      /* gone */
    }
  }
  const ports = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local address, state 0A = LISTEN, inode
    if (f[3] === '0A' && inodes.has(f[9])) ports.push(Number.parseInt(f[1].split(':')[1], 16));
  }
  const skip = new Set([new URL(dev.url).port, new URL(dev.inspectorUrl).port].map(Number));
  for (const port of ports.filter((p) => !skip.has(p))) {
    const url = `http://127.0.0.1:${port}`;
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return url;
  }
  throw new Error(`no runtime port answered /health among ${ports.join(', ')}`);
}
