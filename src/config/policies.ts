/**
 * edgehub extensions to the Magg config for tool integrity and per-tool policy (src/policy/ applies them):
 *
 * - `servers.<name>.trust`: `"pinned"` (default) quarantines new tools of an already-approved server
 *   until an admin approves them; `"auto"` pins new tools at once (changed definitions of pinned
 *   tools are quarantined either way).
 * - `policies`: an ordered list, first match wins:
 *   `{match: {server?, tool?}, allow?: CEL, rate?: "N/min", approval?: "none" | "elicit" | "admin"}`.
 *   `match.server` is a configured server name (or `hub`), `match.tool` a glob (`*`, `?`) over the
 *   server's own tool name. `allow` is a CEL expression over `principal` {sub, tenant, scopes,
 *   claims}, `tool` {name, server, annotations} and `args`; it is parsed here, so a config with an
 *   expression that does not parse is refused naming the rule.
 */
import { Environment } from '@marcbachmann/cel-js';
import { z } from 'zod';

export const TRUST_MODES = ['pinned', 'auto'] as const;
export const APPROVAL_MODES = ['none', 'elicit', 'admin'] as const;
export const RATE_RE = /^([1-9][0-9]{0,6})\s*\/\s*min$/;
/** Rules per config: each call is matched against them in order. */
export const MAX_POLICIES = 500;
export const MAX_CEL_CHARS = 2000;

/** The CEL environment every `allow` expression is parsed in: three dynamic variables, bounded ASTs. */
export function celEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, limits: { maxAstNodes: 500, maxDepth: 32 } });
  for (const v of ['principal', 'tool', 'args']) env.registerVariable(v, 'dyn');
  return env;
}

const parseEnv = celEnvironment();

export const PolicySchema = z.looseObject({
  match: z
    .looseObject({
      server: z.string().min(1).max(64).optional(),
      tool: z.string().min(1).max(128).optional(),
    })
    .default({}),
  allow: z
    .string()
    .max(MAX_CEL_CHARS)
    .superRefine((src, ctx) => {
      try {
        parseEnv.parse(src);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `allow is not a valid CEL expression: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` });
      }
    })
    .optional(),
  rate: z.string().regex(RATE_RE, 'rate must be "N/min" (e.g. "10/min")').optional(),
  approval: z.enum(APPROVAL_MODES).optional(),
});

export const PoliciesSchema = z.array(PolicySchema).max(MAX_POLICIES);

export type Policy = z.infer<typeof PolicySchema>;

/** Calls per minute of a `rate` value ("10/min" → 10). */
export function ratePerMinute(rate: string | undefined): number {
  const m = rate ? RATE_RE.exec(rate) : null;
  return m ? Number(m[1]) : 0;
}
