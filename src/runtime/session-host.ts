/**
 * Wires one SessionDO to the rest of edgehub: its tenant's configuration (a GatewayRuntime fed by
 * the tenant's ConfigDO), its own upstream connections (a ProviderPool whose upstream traffic is
 * relayed back to this session), and the session registry used for list_changed fan-out.
 */

import { configApi } from '../config/api';
import type { ConfigSnapshot, SnapshotText } from '../config/schema';
import type { ChannelOffer } from '../gateway/connector-transport';
import type { Json, Provider } from '../gateway/provider';
import type { ProviderPool } from '../gateway/providers';
import type { DownstreamSink } from '../gateway/upstream';
import type { LegacySession, SessionHost } from '../mcp/legacy-session';
import { exposedUri } from '../mcp/naming';
import type { LogLevel } from '../mcp/protocol';
import type { SessionState } from '../mcp/session-store';
import { log } from '../observability/log';
import { Recorder } from '../observability/metrics';
import { trustApi } from '../policy/api';
import { configStub } from '../utils/do-stubs';
import { codeExecutor } from './code-executor';
import { ConfigWatch } from './config-watch';
import { connectorFactory } from './connector-upstreams';
import { GatewayRuntime } from './gateway-runtime';
import { providerPool } from './providers';
import { trustGuard } from './trust-guard';
import { upstreamFactory } from './upstreams';
import { selectView, viewOf } from './views';

export class SessionRuntime implements SessionHost, DownstreamSink {
  #runtime: GatewayRuntime | null = null;
  #pool: ProviderPool | null = null;
  #tenant = '';
  #recorder: Recorder | null = null;
  #watch: ConfigWatch | null = null;

  constructor(
    private readonly env: Env,
    private readonly session: () => LegacySession,
    /** Schedules the idle-expiry alarm for a session last seen at `lastSeenAt`. */
    readonly expiry: (lastSeenAt: number) => Promise<void>,
    /** Offers connector channels to this session's connector-served upstreams. */
    private readonly channels?: (connector: string) => ChannelOffer,
  ) {}

  #config(tenant: string) {
    return configStub(this.env, tenant);
  }

  #runtimeFor(state: SessionState): GatewayRuntime {
    if (!this.#runtime || this.#tenant !== state.principal.tenant) {
      this.#tenant = state.principal.tenant;
      const tenant = this.#tenant;
      this.#recorder = new Recorder((b) => configApi(this.env, tenant).recordMetrics(b), true);
      const factory = upstreamFactory(this.env, this, 'legacy', this.#recorder, state.principal.sub);
      this.#pool = providerPool(this.env, this.#tenant)
        .register('http', factory)
        .register('sse', factory)
        .register('connector', connectorFactory(this.env, tenant, this, 'legacy', this.#recorder, this.channels));
      const recorder = this.#recorder;
      this.#runtime = new GatewayRuntime(() => configApi(this.env, tenant), this.#pool, {
        guard: trustGuard(this.env, tenant, recorder),
        trust: () => trustApi(this.env, tenant),
      });
    }
    return this.#runtime;
  }

  // ---- SessionHost ----
  async gateway(state: SessionState) {
    const rt = this.#runtimeFor(state);
    const gateway = await rt.gateway();
    const cfg = (rt.snapshot as ConfigSnapshot).config;
    return viewOf(gateway, cfg, selectView(cfg, state.view ?? {}, state.principal), codeExecutor(this.env));
  }
  async admit(state: SessionState): Promise<string | null> {
    const r = await this.#config(state.principal.tenant).registerSession(state.id, state.principal.sub, 'legacy', true);
    if (r.refused) return r.refused;
    await this.expiry(state.lastSeenAt);
    return null;
  }
  async touched(state: SessionState): Promise<boolean> {
    const r = await this.#config(state.principal.tenant).registerSession(state.id, state.principal.sub, 'legacy', false);
    if (r.gone) {
      await this.ended(state);
      return false;
    }
    await this.expiry(state.lastSeenAt);
    return true;
  }
  async ended(state: SessionState): Promise<void> {
    await this.#config(state.principal.tenant).unregisterSession(state.id);
    await Promise.all((this.#pool?.providers() ?? []).map((p) => p.close?.()));
  }
  async logLevelChanged(_state: SessionState, level: LogLevel): Promise<void> {
    await this.#fanOut('logging/setLevel', (p) => p.setLogLevel?.(level));
  }
  async rootsChanged(): Promise<void> {
    await this.#fanOut('roots/list_changed', (p) => p.rootsChanged?.());
  }
  /** A connector came or went: true when this session mounts servers it runs (they reconnect). */
  connectorChanged(name: string): boolean {
    return this.#runtime?.connectorChanged(name) ?? false;
  }
  /** An upstream grant changed: that server reconnects with it. True when this session mounts it. */
  grantChanged(server: string): boolean {
    return this.#runtime?.serversChanged([server]) ?? false;
  }
  /** A GET stream is open: watch the config while one stays open (runtime/config-watch.ts). */
  streamOpened(state: SessionState): void {
    const config = this.#config(state.principal.tenant);
    this.#watch ??= new ConfigWatch({
      open: async (known, gen) => (await config.watchConfig(state.id, known, gen)) ?? Promise.reject(new Error('session not registered')),
      close: (gen) => config.unwatchConfig(state.id, gen),
      apply: async (s) => {
        if (await this.configChanged(s.version, s)) this.session().streams.listsChanged();
      },
    });
    // A session that has loaded no config yet asks for nothing now (-1): nothing changed for it.
    this.#watch.start(this.#runtime ? this.#runtime.version : -1);
  }
  streamsClosed(): void {
    this.#watch?.stop();
  }

  /** Pushed by the ConfigDO: returns true when the session moved to a newer version. */
  async configChanged(version: number, snapshot?: ConfigSnapshot | SnapshotText): Promise<boolean> {
    // A session that has not listed anything yet has no snapshot to refresh, but its client may
    // still cache lists from elsewhere: it is told too.
    return this.#runtime ? this.#runtime.configChanged(version, snapshot) : true;
  }

  async #fanOut(what: string, op: (p: Provider) => Promise<void> | undefined): Promise<void> {
    const results = await Promise.allSettled((this.#pool?.providers() ?? []).map((p) => op(p)));
    for (const r of results) if (r.status === 'rejected') log.warn(`${what} fan-out failed`, { error: r.reason });
  }

  // ---- DownstreamSink (traffic from upstreams with no related client request) ----
  notify(method: string, params: Json): void {
    this.session().streams.broadcast(method, params);
  }
  request(method: string, params: Json): Promise<Json> {
    return this.session().serverRequest(method, params);
  }
  catalogChanged(_server: string, kinds: ('tools' | 'resources' | 'prompts')[]): void {
    this.#runtime?.invalidate();
    this.session().streams.listsChanged(kinds);
  }
  resourceUpdated(server: string, uri: string): void {
    const mount = this.#runtime?.currentGateway?.mounts.get(server);
    if (!mount) return;
    const exposed = exposedUri(server, mount.prefix, uri);
    const state = this.session().state();
    if (state?.subscriptions.includes(exposed)) this.session().streams.broadcast('notifications/resources/updated', { uri: exposed });
  }
  taskStatus(server: string, params: Json): void {
    const id = typeof params.taskId === 'string' ? this.session().taskMap().idFor(server, params.taskId) : null;
    if (id) this.session().streams.broadcast('notifications/tasks/status', { ...params, taskId: id });
  }
  clientCapabilities(): Json {
    return this.session().state()?.clientCapabilities ?? {};
  }
}
