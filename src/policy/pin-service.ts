/**
 * Pinned tool definitions of one tenant (runs inside its ConfigDO, the single writer).
 *
 * A runtime that lists an upstream and finds a definition its snapshot does not pin reports it
 * here (`observe`), with the screening findings it computed (policy/screen.ts, which needs every
 * mounted catalog). The verdict is decided here, authoritatively, and the hash recomputed:
 * - the pinned hash → callable (the runtime's snapshot was older than a pin);
 * - a server with no pins yet (first mount), or a new tool on a `trust: "auto"` server, with no
 *   findings → pinned now (trust on first use, audited as `tool.pin`);
 * - anything else (changed definition, new tool on a pinned server, findings) → quarantined until
 *   an admin approves (`tool.quarantine`); approving is a new config version (runtimes rebuild,
 *   sessions get list_changed), rejecting keeps the tool quarantined.
 */
import { createTwoFilesPatch } from 'diff';
import { effectivePrefix, type HubConfig, prefixSep, type TrustView } from '../config/schema';
import type { Actor } from '../config/service';
import { exposedName } from '../mcp/naming';
import type { AuditInput, Versioned } from '../storage/config-store';
import type { PendingKind, PendingRow, TrustStore } from '../storage/trust-store';
import { canonicalJson, pinnedDefinition, toolHash } from './hash';
import { screenTool } from './screen';

export interface Observed {
  def: Record<string, unknown>;
  flags: string[];
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface PinDeps {
  store: TrustStore;
  config(): Versioned<HubConfig>;
  /** ConfigStore.record: runs `write` with its audit row in one transaction; `bump` = new config version. */
  record(write: () => void, audit: AuditInput, bump: boolean): Versioned<HubConfig> | null;
  committed(s: Versioned<HubConfig>): void;
  count(decision: string, server: string): void;
  /** Tool names each server was last seen with (ConfigStore.catalogs), for shadowing checks. */
  catalogs(): Map<string, string[]>;
}

export type PinChange = { ok: true; version: number; tools: string[] } | { ok: false; status: number; error: string };

export function quarantineReason(server: string, p: Pick<PendingRow, 'tool' | 'kind' | 'flags' | 'status'>): string {
  const head = `tool '${p.tool}' of server '${server}'`;
  if (p.status === 'rejected') return `${head} is quarantined: its definition changed and an admin rejected it`;
  if (p.kind === 'flagged') return `${head} is quarantined: screening flagged its definition (${p.flags.join('; ')}); an admin must approve it`;
  if (p.kind === 'new') return `${head} is quarantined: it is new on an approved server; an admin must approve it`;
  return `${head} is quarantined: its definition changed; an admin must approve it`;
}

const pretty = (def: unknown) => `${JSON.stringify(JSON.parse(canonicalJson(def)), null, 2)}\n`;

export class PinService {
  constructor(private readonly d: PinDeps) {}

  view(): TrustView {
    const pins: TrustView['pins'] = {};
    for (const p of this.d.store.pins()) (pins[p.server] ??= {})[p.tool] = p.hash;
    const quarantined: Record<string, Record<string, { hash: string; reason: string }>> = {};
    for (const p of this.d.store.pendingList()) (quarantined[p.server] ??= {})[p.tool] = { hash: p.hash, reason: quarantineReason(p.server, p) };
    return { pins, quarantined };
  }

  async observe(server: string, tools: Observed[]): Promise<Record<string, Verdict>> {
    const entry = this.d.config().config.servers[server];
    const out: Record<string, Verdict> = {};
    if (!entry) {
      for (const t of tools) out[String(t.def.name)] = { ok: false, reason: `server '${server}' is not configured` };
      return out;
    }
    const defs = tools.map((t) => ({ def: pinnedDefinition(t.def), flags: t.flags.slice(0, 10).map((f) => f.slice(0, 300)) }));
    const hashes = await Promise.all(defs.map((t) => toolHash(t.def)));
    // From here on synchronous: no other request interleaves between reading and writing.
    const s = this.d.store;
    const first = !s.hasPins(server) && s.pendingList(server).length === 0;
    const pinned: string[] = [];
    const quarantined: string[] = [];
    defs.forEach(({ def, flags }, i) => {
      const name = String(def.name);
      const hash = hashes[i];
      const pin = s.pin(server, name);
      const pending = s.pending(server, name);
      if (pin?.hash === hash) {
        if (pending) s.deletePending(server, name); // the upstream went back to the approved definition
        out[name] = { ok: true };
        return;
      }
      if (pending?.hash === hash) {
        out[name] = { ok: false, reason: quarantineReason(server, pending) };
        return;
      }
      const kind: PendingKind = flags.length ? 'flagged' : pin ? 'changed' : 'new';
      if (kind === 'new' && (first || entry.trust === 'auto')) {
        s.putPin(server, name, hash, def, first ? 'first-mount' : 'trust-auto');
        pinned.push(name);
        out[name] = { ok: true };
        return;
      }
      const row = { server, tool: name, hash, definition: def, kind, flags, status: 'pending' as const };
      this.d.record(
        () => s.putPending(row),
        { actor: 'system', action: 'tool.quarantine', target: server, ok: true, detail: { tool: name, kind, flags, hash } },
        false,
      );
      this.d.count('quarantined', server);
      quarantined.push(name);
      out[name] = { ok: false, reason: quarantineReason(server, row) };
    });
    if (pinned.length) {
      const detail = { tools: pinned, reason: first ? 'first-mount' : 'trust-auto' };
      this.d.record(() => {}, { actor: 'system', action: 'tool.pin', target: server, ok: true, detail }, false);
    }
    // A quarantine is a new config version: every session and isolate relists this server's
    // catalog (runtime/gateway-runtime.ts), so the tool leaves every list, not just this runtime's.
    // Pins only added are not: they match what runtimes already listed, a runtime that starts
    // later gets them with its first snapshot, and one that started earlier asks here once per
    // version (its verdicts are cached); no version churn under an admin's If-Match.
    if (quarantined.length) {
      const committed = this.d.record(() => {}, { actor: 'system', action: 'trust.update', target: server, ok: true, detail: { quarantined } }, true);
      if (committed) this.d.committed(committed);
    }
    return out;
  }

  /**
   * A health probe or check listed `server` inside the ConfigDO: screened here against the other
   * servers' last known tool names (the runtimes' own listings also see edgehub's hub tools).
   */
  observeListed(server: string, defs: Record<string, unknown>[]): Promise<unknown> {
    const cfg = this.d.config().config;
    const sep = prefixSep(cfg);
    const others: string[] = [];
    for (const [name, tools] of this.d.catalogs()) {
      const s = cfg.servers[name];
      if (name === server || !s || s.enabled === false) continue;
      for (const t of tools) others.push(exposedName(effectivePrefix(name, s), t, sep));
    }
    return this.observe(
      server,
      defs.map((def) => ({ def, flags: screenTool(def, others) })),
    );
  }

  /** Pending changes of a server, each with the approved and presented definitions and a unified diff. */
  pending(server?: string) {
    return this.d.store.pendingList(server).map((p) => {
      const pin = this.d.store.pin(p.server, p.tool);
      return {
        server: p.server,
        tool: p.tool,
        kind: p.kind,
        status: p.status,
        flags: p.flags,
        reason: quarantineReason(p.server, p),
        hash: p.hash,
        seenAt: p.seenAt,
        approved: pin ? { hash: pin.hash, definition: pin.definition, pinnedAt: pin.pinnedAt, pinnedBy: pin.pinnedBy } : null,
        presented: p.definition,
        diff: createTwoFilesPatch(`${p.tool} (approved)`, `${p.tool} (presented)`, pin ? pretty(pin.definition) : '', pretty(p.definition)),
      };
    });
  }

  pins(server?: string) {
    return this.d.store.pins(server);
  }

  /**
   * Approves (pins) or rejects pending definitions of `server`: all of them, or those named in
   * `tools` — a name, or `{name, hash}` to approve only the definition the admin reviewed.
   */
  decide(actor: Actor, server: string, approve: boolean, tools?: unknown): PinChange {
    if (
      tools !== undefined &&
      (!Array.isArray(tools) || !tools.every((t) => typeof t === 'string' || (t && typeof t === 'object' && typeof t.name === 'string')))
    )
      return { ok: false, status: 400, error: 'tools must be a list of tool names or {name, hash} objects' };
    const all = this.d.store.pendingList(server);
    const wanted = (tools as (string | { name: string; hash?: unknown })[] | undefined)?.map((t) => (typeof t === 'string' ? { name: t } : t));
    const chosen: PendingRow[] = [];
    for (const w of wanted ?? all.map((p) => ({ name: p.tool }))) {
      const p = all.find((x) => x.tool === w.name);
      if (!p) return { ok: false, status: 404, error: `server '${server}' has no pending change for tool '${w.name}'` };
      if ('hash' in w && w.hash !== undefined && w.hash !== p.hash)
        return { ok: false, status: 409, error: `the definition of '${w.name}' changed since it was reviewed (hash ${p.hash}); review the new diff` };
      chosen.push(p);
    }
    if (!chosen.length) return { ok: false, status: 404, error: `server '${server}' has no pending tool changes` };
    const detail = { tools: chosen.map((p) => ({ name: p.tool, hash: p.hash, kind: p.kind })) };
    const names = chosen.map((p) => p.tool);
    if (!approve) {
      this.d.record(
        () => chosen.forEach((p) => this.d.store.putPending({ ...p, status: 'rejected' })),
        { actor: actor.sub, action: 'tool.reject', target: server, ok: true, detail },
        false,
      );
      for (const _ of chosen) this.d.count('rejected', server);
      return { ok: true, version: this.d.config().version, tools: names };
    }
    const write = () => {
      for (const p of chosen) {
        this.d.store.putPin(server, p.tool, p.hash, p.definition, actor.sub);
        this.d.store.deletePending(server, p.tool);
      }
    };
    const committed = this.d.record(write, { actor: actor.sub, action: 'tool.approve', target: server, ok: true, detail }, true);
    for (const _ of chosen) this.d.count('approved', server);
    if (committed) this.d.committed(committed);
    return { ok: true, version: committed?.version ?? this.d.config().version, tools: names };
  }

  /** Forgets servers no longer configured (called after each commit). */
  retain(servers: string[]): void {
    this.d.store.retainServers(servers);
  }
}
