/**
 * ConfigDO: one per tenant, the single writer of that tenant's configuration (rules in
 * config/service.ts, layout in storage/config-store.ts). Thin: public methods are RPC entry
 * points delegating in one line; the rest is wiring: the post-commit fan-out, the health alarm
 * and the tenant's metrics aggregate.
 */

import { DurableObject } from 'cloudflare:workers';
import { assignmentFor, connectorNames } from '../config/connector';
import { readLimits, sessionIdleTtlMs } from '../config/limits';
import type { ConfigSnapshot, HubConfig, SnapshotText } from '../config/schema';
import { SecretService } from '../config/secret-service';
import { serverSecretNames } from '../config/secrets';
import { type Actor, ConfigService } from '../config/service';
import type { ListKind } from '../mcp/protocol';
import { log } from '../observability/log';
import { type MetricsBatch, MetricsStore } from '../observability/metrics';
import { type ApprovalRequest, ApprovalService } from '../policy/approval-service';
import { type Observed, PinService } from '../policy/pin-service';
import { ListenHub } from '../runtime/listen-hub';
import { mountChecker } from '../runtime/mount-check';
import { SessionPush } from '../runtime/session-fanout';
import { UpstreamWatch } from '../runtime/upstream-watch';
import type { AuditInput } from '../storage/config-store';
import { ConfigStore } from '../storage/config-store';
import { SecretStore } from '../storage/secret-store';
import { type ApprovalStatus, TrustStore } from '../storage/trust-store';
import { connectorStub, sessionStub } from '../utils/do-stubs';

export const HEALTH_PROBE_TIMEOUT_MS = 5000;

export class ConfigDO extends DurableObject<Env> {
  #svc: ConfigService;
  #secrets: SecretService;
  #pins: PinService;
  #approvals: ApprovalService;
  #listeners: ListenHub;
  #sessions: SessionPush;
  #watch: UpstreamWatch;
  #metrics = new MetricsStore();
  #tenant: string;
  /** Connectors told about changes since this object started (a connector also rereads on connect). */
  #connectors = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tenant = ctx.id.name ?? 'default';
    this.#sessions = new SessionPush(env, this.#tenant, { waitUntil: (p) => ctx.waitUntil(p), unregister: (id) => this.#svc.unregisterSession(id) });
    this.#watch = new UpstreamWatch(env, this.#tenant, (kinds) => this.#listeners.changed(kinds));
    this.#listeners = new ListenHub(() => this.#watch.stop());
    const limits = readLimits(env);
    const store = new ConfigStore<HubConfig>(ctx.storage, limits.historyVersions);
    const committed = (s: ConfigSnapshot) => {
      this.#pins.retain(Object.keys(s.config.servers));
      ctx.waitUntil(this.#fanOut(s));
    };
    const trust = new TrustStore(ctx.storage);
    const count = (decision: string, server: string, rule?: number) => this.#metrics.count(decision, server, rule);
    this.#pins = new PinService({
      store: trust,
      config: () => this.#svc.current(),
      record: (w, a, bump) => store.record(w, a, bump),
      committed,
      count,
      catalogs: () => store.catalogs(),
    });
    this.#approvals = new ApprovalService({ store: trust, audit: (a) => void store.record(() => {}, a, false), count });
    this.#svc = new ConfigService(store, {
      hubPrefix: 'hub',
      quotas: { servers: limits.serversPerTenant, configBytes: limits.configBytes },
      mountCheck: mountChecker(env, this.#tenant, (server) => this.#secrets.resolve(serverSecretNames(server))),
      committed,
      listed: (server, defs) =>
        ctx.waitUntil(this.#pins.observeListed(server, defs).catch((e) => log.warn('pin check after a probe failed', { upstream: server, error: e }))),
    });
    this.#secrets = new SecretService({
      tenant: this.#tenant,
      env,
      secrets: new SecretStore(ctx.storage),
      config: store,
      current: () => this.#svc.current(),
      committed,
    });
  }

  /** For runtimes only (internal RPC): the snapshot carries the secret values its servers reference. */
  async snapshot(known: number) {
    const s = this.#svc.snapshot(known);
    return s && { ...(await this.#secrets.attach(s)), trust: this.#pins.view() };
  }
  /** A connector's entries if the config moved past `known` (raw text, no secret values). */
  assignment(name: string, known: number) {
    const s = this.#svc.snapshot(known);
    return s && assignmentFor(name, s.version, s.config);
  }
  redacted() {
    return this.#svc.redacted();
  }
  addServer(actor: Actor, name: string, input: unknown, opts?: { replace?: boolean; check?: boolean; strict?: boolean }) {
    return this.#svc.addServer(actor, name, input, opts);
  }
  updateServer(actor: Actor, name: string, patch: unknown, check?: boolean, strict?: boolean) {
    return this.#svc.updateServer(actor, name, patch, check, strict);
  }
  removeServer(actor: Actor, name: string) {
    return this.#svc.removeServer(actor, name);
  }
  setEnabled(actor: Actor, name: string, enabled: boolean, check?: boolean) {
    return this.#svc.setEnabled(actor, name, enabled, check);
  }
  putConfig(actor: Actor, input: unknown, ifMatch?: number, check?: boolean, strict?: boolean) {
    return this.#svc.putConfig(actor, input, ifMatch, check, strict);
  }
  putKit(actor: Actor, name: string, kit: unknown, strict?: boolean) {
    return this.#svc.putKit(actor, name, kit, strict);
  }
  deleteKit(actor: Actor, name: string) {
    return this.#svc.deleteKit(actor, name);
  }
  putProfile(actor: Actor, name: string, profile: unknown) {
    return this.#svc.putProfile(actor, name, profile);
  }
  deleteProfile(actor: Actor, name: string) {
    return this.#svc.deleteProfile(actor, name);
  }
  loadKit(actor: Actor, name: string, enable?: boolean, check?: boolean) {
    return this.#svc.loadKit(actor, name, enable, check);
  }
  unloadKit(actor: Actor, name: string) {
    return this.#svc.unloadKit(actor, name);
  }
  listSecrets() {
    return this.#secrets.list();
  }
  setSecret(actor: Actor, name: string, value: unknown) {
    return this.#secrets.set(actor, name, value);
  }
  deleteSecret(actor: Actor, name: string) {
    return this.#secrets.delete(actor, name);
  }
  check(names?: string[], timeoutMs?: number) {
    return this.#svc.check(names, timeoutMs);
  }
  health() {
    return this.#svc.health();
  }
  audit(limit?: number, before?: number) {
    return this.#svc.audit(limit, before);
  }
  // ---- tool integrity and policy (src/policy/) ----
  observeTools(server: string, tools: Observed[]) {
    return this.#pins.observe(server, tools);
  }
  pendingTools(server?: string) {
    return this.#pins.pending(server);
  }
  decideTools(actor: Actor, server: string, approve: boolean, tools?: unknown) {
    return this.#pins.decide(actor, server, approve, tools);
  }
  requestApproval(r: ApprovalRequest) {
    return this.#approvals.request(r);
  }
  waitApproval(id: string, ms: number) {
    return this.#approvals.wait(id, ms);
  }
  decideApproval(actor: Actor, id: string, approve: boolean, digest?: unknown) {
    return this.#approvals.decide(actor, id, approve, digest);
  }
  cancelApproval(id: string, why: 'cancelled' | 'expired') {
    this.#approvals.cancel(id, why);
  }
  approvals(status?: ApprovalStatus) {
    return this.#approvals.list(status);
  }
  takeRate(sub: string, server: string, tool: string, perMinute: number, rule: number) {
    return this.#approvals.takeRate(sub, server, tool, perMinute, rule);
  }
  auditDecision(a: AuditInput) {
    this.#approvals.audit(a);
  }
  /** Admits (opening) or refreshes a session under the caps; evicted sessions are ended here. */
  async registerSession(id: string, sub: string, lane: string, opening: boolean) {
    const limits = readLimits(this.env);
    const r = this.#svc.registerSession(id, sub, lane, opening, {
      perPrincipal: limits.sessionsPerPrincipal,
      perTenant: limits.sessionsPerTenant,
      idleTtlMs: sessionIdleTtlMs(this.env),
    });
    if (r.evicted?.length) this.ctx.waitUntil(this.#evict(r.evicted));
    if (!r.refused && !r.gone) await this.#ensureAlarm();
    return r;
  }
  unregisterSession(id: string) {
    return this.#svc.unregisterSession(id);
  }
  sessions() {
    return this.#svc.sessions();
  }
  /** A session's config watch (runtime/config-watch.ts): null for a session not registered. */
  async watchConfig(session: string, known: number, gen = 0): Promise<ReadableStream<Uint8Array> | null> {
    if (!this.#svc.hasSession(session)) return null;
    return this.#sessions.watchers.open(session, gen, known >= 0 && this.#svc.current().version > known ? await this.#pushText() : null);
  }
  unwatchConfig(session: string, gen: number) {
    this.#sessions.watchers.close(session, gen);
  }
  recordMetrics(batch: MetricsBatch) {
    this.#metrics.merge(batch);
  }
  metrics(): string {
    const health = this.#svc.health().map((h) => ({ server: h.server, up: h.ok, latencyMs: h.latencyMs }));
    return this.#metrics.render({
      configVersion: this.#svc.current().version,
      activeSessions: this.#svc.sessions().length,
      configWatches: this.#sessions.watchers.size,
      listenStreams: this.#listeners.size,
      health,
    });
  }
  /** An upstream's catalog changed (seen by some isolate): tell the listen streams. */
  listChanged(kinds: ListKind[]) {
    this.#listeners.changed(kinds);
  }
  /** A connector came or went (its ConnectorDO says so): every session and listen stream relists. */
  async connectorChanged(name: string) {
    // Told of changes from now on, even when the config stops naming it (bounded: names are free to pick).
    if (this.#connectors.size < 1_000) this.#connectors.add(name);
    this.#listeners.changed();
    const sessions = this.#svc.sessions();
    const results = await Promise.allSettled(sessions.map((x) => sessionStub(this.env, this.#tenant, x.sessionId).connectorChanged(name)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed) log.warn('connector fan-out failed for some sessions', { tenant: this.#tenant, connector: name, failed });
  }
  connectorHealth(results: Record<string, { ok: boolean; error?: string }>) {
    this.#svc.connectorHealth(results);
  }
  /** A 2026-lane `subscriptions/listen` stream for this tenant's list changes. */
  async listen(requestId: string | number, filter: Record<string, unknown>, sub: string) {
    const res = await this.#listeners.open(requestId, filter, sub, readLimits(this.env).listenPerPrincipal);
    if (this.#listeners.size > 0) this.ctx.waitUntil(this.#watchSnapshot(this.#svc.current()));
    return res;
  }

  /** Health alarm: probe every enabled upstream; keep running while the tenant has sessions. */
  override async alarm(): Promise<void> {
    const results = await this.#svc.probe(HEALTH_PROBE_TIMEOUT_MS);
    const down = Object.entries(results).filter(([, r]) => !r.ok);
    if (down.length) log.warn('health probe: upstreams down', { tenant: this.#tenant, down: down.map(([n, r]) => ({ upstream: n, error: r.error })) });
    if (this.#svc.sessions().length > 0 || this.#listeners.size > 0) await this.ctx.storage.setAlarm(Date.now() + this.#interval());
  }

  #interval(): number {
    const s = Number(this.env.HEALTH_INTERVAL_SECONDS);
    return (Number.isFinite(s) && s > 0 ? s : 60) * 1000;
  }

  async #ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + this.#interval());
  }

  async #evict(ids: string[]): Promise<void> {
    log.info('sessions closed: the principal opened more than MAX_SESSIONS_PER_PRINCIPAL', { tenant: this.#tenant, sessions: ids.length });
    const results = await Promise.allSettled(ids.map((id) => sessionStub(this.env, this.#tenant, id).evict()));
    const failed = results.filter((r) => r.status === 'rejected').length;
    // A session that missed this call still ends: its next touch finds itself unregistered.
    if (failed) log.warn('session eviction failed for some sessions', { tenant: this.#tenant, failed });
  }

  async #watchSnapshot(s: ConfigSnapshot): Promise<void> {
    const withSecrets = await this.#secrets.attach(s);
    if (this.#listeners.size > 0) this.#watch.ensure(withSecrets);
  }

  async #pushText(): Promise<SnapshotText | null> {
    const snap = await this.snapshot(0);
    return snap && { version: snap.version, text: JSON.stringify(snap) };
  }

  /** Pushes the new version to every registered session, open listen stream and named connector. */
  async #fanOut(s: ConfigSnapshot): Promise<void> {
    this.#listeners.changed();
    // Connectors named before too: an entry moved away or disabled must stop on its old machine.
    for (const n of connectorNames(s.config)) this.#connectors.add(n);
    const pushed = await Promise.allSettled([...this.#connectors].map((n) => connectorStub(this.env, this.#tenant, n).configChanged()));
    if (pushed.some((r) => r.status === 'rejected')) log.warn('config push to connectors failed', { tenant: this.#tenant, version: s.version });
    if (this.#listeners.size > 0) await this.#watchSnapshot(s);
    // The snapshot rides with the push, serialised once: written to every open watch, pushed by
    // RPC to the other sessions, which install it without calling back (session-fanout.ts).
    const text = await this.#pushText();
    if (text)
      await this.#sessions.push(
        text,
        this.#svc.sessions().map((x) => x.sessionId),
      );
  }
}
