/**
 * Compiled `policies` (config/policies.ts): each rule's glob becomes a RegExp and its CEL `allow`
 * is parsed once per config version (the compiled list is cached on the policies array, which
 * belongs to exactly one immutable snapshot). The rule matching a tool is cached per tool too, so
 * a call costs one Map lookup and at most one CEL evaluation, however many rules there are.
 *
 * Semantics: first match wins; a tool no rule matches is allowed. `allow` must evaluate to
 * `true`: false, a non-boolean or an evaluation error (e.g. a claim the token lacks; use
 * `has(principal.claims.x)`) refuses the call, naming the rule. An expression that never reads
 * `args` is decided for the principal alone, so a tool it refuses is left out of that principal's lists.
 */

import type { Principal } from '../auth/principal';
import { celEnvironment, type Policy, ratePerMinute } from '../config/policies';
import type { Json } from '../gateway/provider';

export interface CompiledRule {
  /** Index in `policies` (named in refusals, audit rows and metrics). */
  index: number;
  server?: string;
  tool?: RegExp;
  allow?: { src: string; run: (vars: Record<string, unknown>) => unknown; readsArgs: boolean };
  perMinute: number;
  approval: 'none' | 'elicit' | 'admin';
}

export interface RuleSet {
  rules: CompiledRule[];
  /** `${server}\u0000${tool}` → the first rule that matches (null: none). */
  matched: Map<string, CompiledRule | null>;
}

const env = celEnvironment();
const cache = new WeakMap<readonly Policy[], RuleSet>();
const EMPTY: readonly Policy[] = Object.freeze([]);

function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function readsArgs(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsArgs);
  if (!node || typeof node !== 'object') return false;
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === 'args') return true;
  return readsArgs(n.args);
}

export function compileRules(policies: readonly Policy[] = EMPTY): RuleSet {
  const hit = cache.get(policies);
  if (hit) return hit;
  const rules = policies.map((p, index): CompiledRule => {
    let allow: CompiledRule['allow'];
    if (p.allow !== undefined) {
      const parsed = env.parse(p.allow);
      allow = { src: p.allow, run: (vars) => parsed(vars), readsArgs: readsArgs(parsed.ast) };
    }
    return {
      index,
      server: p.match?.server,
      tool: p.match?.tool ? glob(p.match.tool) : undefined,
      allow,
      perMinute: ratePerMinute(p.rate),
      approval: p.approval ?? 'none',
    };
  });
  const set: RuleSet = { rules, matched: new Map() };
  cache.set(policies, set);
  return set;
}

export function matchRule(set: RuleSet, server: string, tool: string): CompiledRule | null {
  const key = `${server}\u0000${tool}`;
  let rule = set.matched.get(key);
  if (rule === undefined) {
    rule = set.rules.find((r) => (r.server === undefined || r.server === server) && (!r.tool || r.tool.test(tool))) ?? null;
    if (set.matched.size < 10_000) set.matched.set(key, rule);
  }
  return rule;
}

/** The CEL variables of one call (or of a list, without `args`). */
export function celVars(principal: Principal, tool: { name: string; server: string; annotations?: Json }, args: Json = {}): Record<string, unknown> {
  return {
    principal: { sub: principal.sub, tenant: principal.tenant, scopes: [...principal.scopes], claims: principal.claims ?? {} },
    tool: { name: tool.name, server: tool.server, annotations: tool.annotations ?? {} },
    args,
  };
}

/** `{ok: true}` only when the rule's `allow` is absent or evaluates to exactly `true`. */
export function evalAllow(rule: CompiledRule, vars: Record<string, unknown>): { ok: boolean; error?: string } {
  if (!rule.allow) return { ok: true };
  try {
    const v = rule.allow.run(vars);
    return v === true ? { ok: true } : { ok: false, ...(typeof v !== 'boolean' ? { error: 'allow did not evaluate to a boolean' } : {}) };
  } catch (e) {
    return { ok: false, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
  }
}
