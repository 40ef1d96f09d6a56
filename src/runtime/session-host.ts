/**
 * Wires a SessionDO to its tenant's configuration: a GatewayRuntime fed by the tenant's ConfigDO,
 * and the session registry used for list_changed fan-out and the admin sessions list.
 */
import type { SessionHost } from '../mcp/legacy-session';
import type { SessionState } from '../storage/session-store';
import { GatewayRuntime } from '../gateway/runtime';
import { providerPool } from './providers';

export function sessionHost(env: Env) {
  let runtime: GatewayRuntime | null = null;
  let tenant = '';
  const configStub = (t: string) => env.CONFIG.get(env.CONFIG.idFromName(t));
  const runtimeFor = (state: SessionState) => {
    if (!runtime || tenant !== state.principal.tenant) {
      tenant = state.principal.tenant;
      const stub = configStub(tenant);
      runtime = new GatewayRuntime({ snapshot: (known) => stub.snapshot(known) }, providerPool(env, tenant));
    }
    return runtime;
  };
  const host: SessionHost & {
    ended(state: SessionState): Promise<void>;
    configChanged(version: number): Promise<boolean>;
  } = {
    gateway: (state) => runtimeFor(state).gateway(),
    touched: async (state) => {
      await configStub(state.principal.tenant).registerSession(state.id, state.principal.sub, 'legacy');
    },
    ended: async (state) => {
      await configStub(state.principal.tenant).unregisterSession(state.id);
    },
    configChanged: async (version) => (runtime ? runtime.configChanged(version) : false),
  };
  return host;
}
