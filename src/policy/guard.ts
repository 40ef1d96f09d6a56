/**
 * TrustGuard: the gateway's CallGuard for one config version (gateway/guard.ts).
 *
 * - vet: a listed tool whose definition hash is pinned passes; one the snapshot quarantines stays
 *   out; anything else is screened here (screen.ts needs every mounted catalog for shadowing) and
 *   reported to the tenant's ConfigDO, whose verdict is final (pin-service.ts). Verdicts are cached
 *   for this version, so a relist costs no round trip; an unreachable ConfigDO keeps the tool out.
 * - visible / admit: the first matching policy rule (rules.ts): `allow`, then `rate`, then
 *   `approval` (consent.ts). Every decision is counted and audited in the ConfigDO: refusals, calls
 *   an `allow` expression let through (one audit write per such call: rules without `allow` cost
 *   none), and approvals (consent.ts).
 */
import type { ConfigSnapshot } from '../config/schema';
import type { CallGuard, CatalogTool, ToolRef } from '../gateway/guard';
import type { Json } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import { RpcError } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';
import { log } from '../observability/log';
import type { TrustApi } from './api';
import { confirmByUser, type Refuse, waitForAdmin } from './consent';
import { pinnedDefinition, toolHash } from './hash';
import { type CompiledRule, celVars, compileRules, evalAllow, matchRule, type RuleSet } from './rules';
import { screenTool } from './screen';

export interface GuardDeps {
  trust(): TrustApi;
  /** Counts a decision (metrics); absent in tests. */
  count?(decision: string, server: string, rule?: number): void;
  /** How long a call parked for an admin waits (default 10 min). */
  approvalTtlMs?: number;
}

type Verdict = { ok: true } | { ok: false; reason: string };

export class TrustGuard implements CallGuard {
  readonly rules: RuleSet;
  readonly listsVary: boolean;
  #verdicts = new Map<string, Verdict>();

  constructor(
    private readonly snapshot: ConfigSnapshot,
    private readonly deps: GuardDeps,
  ) {
    this.rules = compileRules(snapshot.config.policies);
    this.listsVary = this.rules.rules.some((r) => r.allow && !r.allow.readsArgs);
  }

  async vet(untrusted: CatalogTool[], all: CatalogTool[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const view = this.snapshot.trust;
    if (!view || !untrusted.length) return out;
    const hashes = await Promise.all(untrusted.map((t) => toolHash(t.def)));
    const unknown = new Map<string, { tool: CatalogTool; key: string }[]>();
    untrusted.forEach((t, i) => {
      const hash = hashes[i];
      if (view.pins[t.server]?.[t.name] === hash) return;
      const key = `${t.server}\u0000${t.name}\u0000${hash}`;
      const known = this.#verdicts.get(key);
      const q = view.quarantined[t.server]?.[t.name];
      if (known) {
        if (!known.ok) out.set(t.exposed, known.reason);
      } else if (q?.hash === hash) out.set(t.exposed, q.reason);
      else unknown.set(t.server, [...(unknown.get(t.server) ?? []), { tool: t, key }]);
    });
    await Promise.all(
      [...unknown].map(async ([server, list]) => {
        const others = all.filter((x) => x.server !== server).map((x) => x.exposed);
        const observed = list.map(({ tool }) => ({ def: pinnedDefinition(tool.def), flags: screenTool(tool.def, others) }));
        let verdicts: Record<string, Verdict>;
        try {
          verdicts = await this.deps.trust().observeTools(server, observed);
        } catch (e) {
          log.warn('tool definitions could not be checked; left out until they can be', { upstream: server, error: e });
          for (const { tool } of list)
            out.set(tool.exposed, `tool '${tool.name}' of server '${server}' could not be checked against its approved definition; retry shortly`);
          return;
        }
        for (const { tool, key } of list) {
          const v = verdicts[tool.name] ?? { ok: false, reason: `tool '${tool.name}' of server '${server}' got no verdict` };
          this.#verdicts.set(key, v);
          if (!v.ok) out.set(tool.exposed, v.reason);
        }
      }),
    );
    return out;
  }

  visible(ctx: RequestContext, tool: ToolRef): boolean {
    const rule = matchRule(this.rules, tool.server, tool.name);
    if (!rule?.allow || rule.allow.readsArgs) return true;
    return evalAllow(rule, celVars(ctx.principal, tool)).ok;
  }

  async admit(ctx: RequestContext, tool: ToolRef, args: Json): Promise<Json | undefined> {
    const rule = matchRule(this.rules, tool.server, tool.name);
    if (!rule) return undefined;
    const refuse = this.#refuser(ctx, tool, rule);
    const allowed = evalAllow(rule, celVars(ctx.principal, tool, args));
    if (!allowed.ok)
      await refuse(
        'denied',
        `policy rule ${rule.index} does not allow ${ctx.principal.sub} to call ${tool.exposed}${allowed.error ? ` (${allowed.error})` : ''}`,
      );
    if (rule.perMinute > 0) {
      const r = await this.deps.trust().takeRate(ctx.principal.sub, tool.server, tool.exposed, rule.perMinute, rule.index);
      if (!r.ok) {
        this.deps.count?.('rate_limited', tool.server, rule.index);
        // "429-style": JSON-RPC server error with the wait, HTTP 429 where the lane has a status to set.
        throw new RpcError(
          ErrorCode.ServerError,
          `rate limit: ${tool.exposed} allows ${rule.perMinute} calls per minute per caller (policy rule ${rule.index}); retry after ${r.retryAfterSec} s`,
          429,
          { error: 'rate_limited', retryAfterSec: r.retryAfterSec, rule: rule.index },
        );
      }
    }
    if (rule.approval === 'elicit') {
      const asking = await confirmByUser(ctx, tool, args, rule.index, refuse, this.deps.trust());
      if (asking) return asking;
    } else if (rule.approval === 'admin') await waitForAdmin(ctx, tool, args, rule.index, refuse, this.deps.trust(), this.deps.approvalTtlMs ?? 600_000);
    this.deps.count?.(rule.approval === 'none' ? 'allowed' : `allowed_${rule.approval}`, tool.server, rule.index);
    // An `allow` expression that let the call through is a decision too (approvals audit their own).
    if (rule.allow && rule.approval === 'none') await this.#audit(ctx, tool, rule, 'allowed', true, {});
    return undefined;
  }

  #audit(ctx: RequestContext, tool: ToolRef, rule: CompiledRule, decision: string, ok: boolean, detail: Record<string, unknown>): Promise<void> {
    return this.deps
      .trust()
      .auditDecision({
        actor: ctx.principal.sub,
        action: `call.${decision}`,
        target: tool.server,
        ok,
        detail: { tool: tool.exposed, rule: rule.index, ...detail },
      })
      .catch((e) => log.warn('policy decision could not be audited', { tenant: ctx.principal.tenant, error: e }));
  }

  #refuser(ctx: RequestContext, tool: ToolRef, rule: CompiledRule): Refuse {
    return async (decision, message, detail = {}, recorded = false) => {
      if (!recorded) {
        this.deps.count?.(decision, tool.server, rule.index);
        await this.#audit(ctx, tool, rule, decision, false, { message, ...detail });
      }
      throw new RpcError(ErrorCode.PolicyDenied, message, 200, { decision, rule: rule.index, tool: tool.exposed, ...detail });
    };
  }
}
