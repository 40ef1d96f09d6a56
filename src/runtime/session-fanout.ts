/**
 * The Config DO's push of a new config version to every registered 2025-lane session. Each push
 * carries the snapshot itself (the same one `ConfigDO.snapshot` hands out over internal RPC), so a
 * session installs it without calling back: N sessions cost the Config DO N outgoing RPCs and no
 * incoming ones (before: N pushes, then N `snapshot()` reads into this one single-threaded object),
 * and the session builds its gateway from it on its next request, not during the fan-out. The
 * snapshot travels as JSON text serialised once per change, and a session with its GET stream
 * open writes the list_changed hints there without a storage commit (mcp/get-streams.ts): under
 * wrangler dev one commit per session set the pace (300 sessions: ~1.2 s with, ~0.5 s without).
 * Pushes run FANOUT_CONCURRENCY at a time (a pool, not one after another, and not all N at once:
 * 10,000 unbounded subrequests would hold 10,000 snapshot copies in flight). A session that answers
 * `gone` (its storage ended: idle expiry, DELETE, eviction) is returned for the caller to prune
 * from the registry; one that throws is counted as failed and kept (the error may be transient; a
 * dead entry still ages out at the idle TTL).
 */

import type { SnapshotText } from '../config/schema';
import { log } from '../observability/log';
import { sessionStub } from '../utils/do-stubs';
import { ConfigWatchers } from './config-watch';

/** What a session answers to a push: `gone` when it holds no session any more. */
export type PushAnswer = 'ok' | 'gone';

/** Pushes in flight at once (bench: test/bench/scale.mjs; model: docs/capacity.md). */
export const FANOUT_CONCURRENCY = 64;

export interface FanOutResult {
  delivered: number;
  gone: string[];
  failed: number;
  ms: number;
}

export async function fanOutSessions(
  ids: readonly string[],
  push: (id: string) => Promise<PushAnswer>,
  concurrency = FANOUT_CONCURRENCY,
): Promise<FanOutResult> {
  const t0 = Date.now();
  const out: FanOutResult = { delivered: 0, gone: [], failed: 0, ms: 0 };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      try {
        if ((await push(id)) === 'gone') out.gone.push(id);
        else out.delivered++;
      } catch {
        out.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, worker));
  out.ms = Date.now() - t0;
  return out;
}

/**
 * One tenant's session fan-out as the Config DO runs it: a line on every open config watch
 * (config-watch.ts), an RPC push (pooled) to every other registered session, and the registry
 * pruned of sessions that answered `gone`.
 */
export class SessionPush {
  readonly watchers: ConfigWatchers;

  constructor(
    private readonly env: Env,
    private readonly tenant: string,
    private readonly hooks: { waitUntil(p: Promise<unknown>): void; unregister(id: string): void },
  ) {
    // A watch that broke unannounced: the change it lost goes by RPC.
    this.watchers = new ConfigWatchers((id, s) => hooks.waitUntil(this.#push(id, s).catch(() => {})));
  }

  async push(s: SnapshotText, registered: readonly string[]): Promise<void> {
    const watched = this.watchers.push(s);
    const r = await fanOutSessions(
      registered.filter((id) => !watched.has(id)),
      (id) => this.#push(id, s),
    );
    for (const id of r.gone) this.hooks.unregister(id);
    if (r.failed || r.gone.length)
      log.warn('config fan-out: some sessions failed or were gone (pruned)', {
        tenant: this.tenant,
        version: s.version,
        failed: r.failed,
        pruned: r.gone.length,
      });
  }

  #push(id: string, s: SnapshotText): Promise<PushAnswer> {
    return sessionStub(this.env, this.tenant, id).configChanged(s.version, s);
  }
}
