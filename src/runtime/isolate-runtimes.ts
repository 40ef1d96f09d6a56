/**
 * The modern lane's per-isolate state: one GatewayRuntime (config snapshot, upstream pool,
 * metrics recorder) per tenant, reused across requests. Bounded: at most MAX_TENANTS runtimes,
 * least recently used dropped first (its metrics flushed; its upstream connections never outlive
 * a request on this lane, so nothing else is held).
 */

import { configApi } from '../config/api';
import type { DownstreamSink } from '../gateway/upstream';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import { log } from '../observability/log';
import { Recorder } from '../observability/metrics';
import { trustApi } from '../policy/api';
import { configStub } from '../utils/do-stubs';
import { connectorFactory } from './connector-upstreams';
import { GatewayRuntime } from './gateway-runtime';
import { providerPool } from './providers';
import { trustGuard } from './trust-guard';
import { upstreamFactory } from './upstreams';

export const MAX_TENANTS = 256;

export interface IsolateRuntime {
  rt: GatewayRuntime;
  recorder: Recorder;
}

const runtimes = new Map<string, IsolateRuntime>();

export function runtimeFor(env: Env, tenant: string, waitUntil?: (p: Promise<unknown>) => void): IsolateRuntime {
  let entry = runtimes.get(tenant);
  if (entry) {
    // Most recently used last: eviction takes the front.
    runtimes.delete(tenant);
    runtimes.set(tenant, entry);
    return entry;
  }
  while (runtimes.size >= MAX_TENANTS) {
    const [oldest, dropped] = runtimes.entries().next().value as [string, IsolateRuntime];
    runtimes.delete(oldest);
    const flushed = dropped.recorder.flush().catch(() => {});
    waitUntil?.(flushed);
  }
  entry = create(env, tenant);
  runtimes.set(tenant, entry);
  return entry;
}

function create(env: Env, tenant: string): IsolateRuntime {
  let rt: GatewayRuntime | undefined;
  const sink: DownstreamSink = {
    notify: () => {},
    request: () => Promise.reject(new RpcError(ErrorCode.InvalidRequest, 'no session on the 2026-07-28 lane')),
    // Runs inside the request whose ephemeral upstream connection saw the change.
    catalogChanged: (_server, kinds) => {
      rt?.invalidate();
      configStub(env, tenant)
        .listChanged(kinds)
        .catch((e) => log.warn('listen fan-out failed', { tenant, error: e }));
    },
    resourceUpdated: () => {},
    clientCapabilities: () => ({}),
  };
  const recorder = new Recorder((b) => configApi(env, tenant).recordMetrics(b));
  const factory = upstreamFactory(env, sink, 'modern', recorder);
  const pool = providerPool(env, tenant)
    .register('http', factory)
    .register('sse', factory)
    .register('connector', connectorFactory(env, tenant, sink, 'modern', recorder));
  rt = new GatewayRuntime(() => configApi(env, tenant), pool, { unpushed: true, guard: trustGuard(env, tenant, recorder), trust: () => trustApi(env, tenant) });
  return { rt, recorder };
}

/**
 * This isolate just committed `version` for `tenant` (admin API): its own stateless runtime moves
 * to it now, so the change is visible here on the next request (other isolates: within FRESH_MS).
 */
export async function configCommitted(tenant: string, version: number): Promise<void> {
  await runtimes
    .get(tenant)
    ?.rt.configChanged(version)
    .catch((e) => log.warn('config refresh after a change failed', { tenant, version, error: e }));
}
