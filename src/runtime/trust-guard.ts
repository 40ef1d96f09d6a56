/** Builds the per-version TrustGuard (policy/guard.ts) of a tenant's runtime: one home for both lanes. */
import { approvalTtlMs } from '../config/limits';
import type { ConfigSnapshot } from '../config/schema';
import type { CallGuard } from '../gateway/guard';
import type { Recorder } from '../observability/metrics';
import { trustApi } from '../policy/api';
import { TrustGuard } from '../policy/guard';

export function trustGuard(env: Env, tenant: string, recorder: Recorder): (snapshot: ConfigSnapshot) => CallGuard {
  return (snapshot) =>
    new TrustGuard(snapshot, { trust: () => trustApi(env, tenant), count: (d, s, r) => recorder.policy(d, s, r), approvalTtlMs: approvalTtlMs(env) });
}
