/**
 * Metrics: recorders live where work happens (each SessionDO, each isolate's stateless runtime)
 * and flush small batches, at most once per FLUSH_MS, to the tenant's ConfigDO, which aggregates
 * them and renders Prometheus text (exposition format 0.0.4). Counters reset when the ConfigDO is
 * evicted; Prometheus' rate() handles resets. Label values are server names and method names
 * only (bounded), never arguments or secrets.
 */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
export const FLUSH_MS = 1000;

export interface Series {
  requests: number;
  errors: number;
  sumMs: number;
  buckets: number[];
}

export interface MetricsBatch {
  /** key: `${server}\u0000${method}` */
  upstream: Record<string, Series>;
  breaker: Record<string, 'closed' | 'open' | 'half-open'>;
  git: Record<string, number>;
  /** Tool policy and pin decisions, key `${decision}\u0000${server}\u0000${rule}` (rule: index in `policies`, or ''). */
  policy?: Record<string, number>;
}

const empty = (): MetricsBatch => ({ upstream: {}, breaker: {}, git: {}, policy: {} });
const newSeries = (): Series => ({ requests: 0, errors: 0, sumMs: 0, buckets: LATENCY_BUCKETS_MS.map(() => 0) });

export class Recorder {
  #batch = empty();
  #dirty = false;
  #lastFlush = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** `auto`: flush on a timer after each record (Durable Objects); else call maybeFlush(). */
  constructor(
    private readonly sink: (b: MetricsBatch) => Promise<unknown>,
    private readonly auto = false,
  ) {}

  #recorded(): void {
    this.#dirty = true;
    if (this.auto) this.schedule();
  }

  upstream(server: string, method: string, ok: boolean, ms: number): void {
    const s = (this.#batch.upstream[`${server}\u0000${method}`] ??= newSeries());
    s.requests++;
    if (!ok) s.errors++;
    s.sumMs += ms;
    const i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i >= 0) s.buckets[i]++;
    this.#recorded();
  }

  breaker(server: string, state: 'closed' | 'open' | 'half-open'): void {
    this.#batch.breaker[server] = state;
    this.#recorded();
  }

  git(op: string): void {
    this.#batch.git[op] = (this.#batch.git[op] ?? 0) + 1;
    this.#recorded();
  }

  policy(decision: string, server: string, rule?: number): void {
    const p = (this.#batch.policy ??= {});
    const k = `${decision}\u0000${server}\u0000${rule ?? ''}`;
    p[k] = (p[k] ?? 0) + 1;
    this.#recorded();
  }

  /** Flushes soon (timer-based; for Durable Objects, which stay alive between requests). */
  schedule(): void {
    if (!this.#dirty || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, FLUSH_MS);
  }

  /** Flushes now if the last flush is older than FLUSH_MS (for stateless requests' waitUntil). */
  maybeFlush(): Promise<void> | null {
    return this.#dirty && Date.now() - this.#lastFlush >= FLUSH_MS ? this.flush() : null;
  }

  async flush(): Promise<void> {
    if (!this.#dirty) return;
    const b = this.#batch;
    this.#batch = empty();
    this.#dirty = false;
    this.#lastFlush = Date.now();
    await this.sink(b).catch(() => {
      /* metrics are best effort; a lost batch is a gap, not an error for the caller */
    });
  }
}

/** The aggregate held by a ConfigDO. */
export class MetricsStore {
  #upstream = new Map<string, Series>();
  #breaker = new Map<string, string>();
  #git = new Map<string, number>();
  #policy = new Map<string, number>();

  /** Counts one decision made inside the ConfigDO itself (pins, approvals). */
  count(decision: string, server: string, rule?: number): void {
    this.merge({ upstream: {}, breaker: {}, git: {}, policy: { [`${decision}\u0000${server}\u0000${rule ?? ''}`]: 1 } });
  }

  merge(b: MetricsBatch): void {
    for (const [k, s] of Object.entries(b.upstream)) {
      const cur = this.#upstream.get(k) ?? newSeries();
      cur.requests += s.requests;
      cur.errors += s.errors;
      cur.sumMs += s.sumMs;
      s.buckets.forEach((n, i) => (cur.buckets[i] += n));
      this.#upstream.set(k, cur);
    }
    for (const [server, st] of Object.entries(b.breaker)) this.#breaker.set(server, st);
    for (const [op, n] of Object.entries(b.git)) this.#git.set(op, (this.#git.get(op) ?? 0) + n);
    for (const [k, n] of Object.entries(b.policy ?? {})) this.#policy.set(k, (this.#policy.get(k) ?? 0) + n);
  }

  render(gauges: {
    configVersion: number;
    activeSessions: number;
    /** Sessions watching the config over an open stream (runtime/config-watch.ts); 2026 listen streams. */
    configWatches: number;
    listenStreams: number;
    health: { server: string; up: boolean; latencyMs: number }[];
  }): string {
    const out: string[] = [];
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const help = (name: string, type: string, text: string) => out.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
    help('edgehub_upstream_requests_total', 'counter', 'Requests sent to upstream servers.');
    for (const [k, s] of this.#upstream) out.push(`edgehub_upstream_requests_total{${labels(k, esc)}} ${s.requests}`);
    help('edgehub_upstream_errors_total', 'counter', 'Upstream requests that failed (unavailable, timeout, breaker open).');
    for (const [k, s] of this.#upstream) out.push(`edgehub_upstream_errors_total{${labels(k, esc)}} ${s.errors}`);
    help('edgehub_upstream_latency_ms', 'histogram', 'Upstream request latency in milliseconds.');
    for (const [k, s] of this.#upstream) {
      let cum = 0;
      LATENCY_BUCKETS_MS.forEach((b, i) => {
        cum += s.buckets[i];
        out.push(`edgehub_upstream_latency_ms_bucket{${labels(k, esc)},le="${b}"} ${cum}`);
      });
      out.push(`edgehub_upstream_latency_ms_bucket{${labels(k, esc)},le="+Inf"} ${s.requests}`);
      out.push(`edgehub_upstream_latency_ms_sum{${labels(k, esc)}} ${s.sumMs}`);
      out.push(`edgehub_upstream_latency_ms_count{${labels(k, esc)}} ${s.requests}`);
    }
    help('edgehub_upstream_breaker_state', 'gauge', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.');
    for (const [server, st] of this.#breaker)
      out.push(`edgehub_upstream_breaker_state{server="${esc(server)}"} ${st === 'open' ? 2 : st === 'half-open' ? 1 : 0}`);
    help('edgehub_upstream_up', 'gauge', 'Last health probe result (1 up, 0 down).');
    for (const h of gauges.health) out.push(`edgehub_upstream_up{server="${esc(h.server)}"} ${h.up ? 1 : 0}`);
    help('edgehub_upstream_probe_latency_ms', 'gauge', 'Latency of the last health probe.');
    for (const h of gauges.health) out.push(`edgehub_upstream_probe_latency_ms{server="${esc(h.server)}"} ${h.latencyMs}`);
    help('edgehub_active_sessions', 'gauge', 'Live MCP sessions of this tenant.');
    out.push(`edgehub_active_sessions ${gauges.activeSessions}`);
    help('edgehub_config_watches', 'gauge', 'Sessions with a GET stream open that get config changes over a stream, not an RPC each.');
    out.push(`edgehub_config_watches ${gauges.configWatches}`);
    help('edgehub_listen_streams', 'gauge', 'Open 2026-07-28 subscriptions/listen streams of this tenant.');
    out.push(`edgehub_listen_streams ${gauges.listenStreams}`);
    help('edgehub_config_version', 'gauge', 'Current configuration version.');
    out.push(`edgehub_config_version ${gauges.configVersion}`);
    help('edgehub_git_operations_total', 'counter', 'Git tool and smart-HTTP operations.');
    for (const [op, n] of this.#git) out.push(`edgehub_git_operations_total{op="${esc(op)}"} ${n}`);
    help(
      'edgehub_policy_decisions_total',
      'counter',
      'Tool policy and pin decisions (allowed, denied, rate_limited, approved, rejected, quarantined, …) by server and rule.',
    );
    for (const [k, n] of this.#policy) {
      const [decision, server, rule] = k.split('\u0000');
      out.push(`edgehub_policy_decisions_total{decision="${esc(decision)}",server="${esc(server)}",rule="${esc(rule)}"} ${n}`);
    }
    return `${out.join('\n')}\n`;
  }
}

function labels(key: string, esc: (v: string) => string): string {
  const [server, method] = key.split('\u0000');
  return `server="${esc(server)}",method="${esc(method)}"`;
}
