/**
 * Profiles (an edgehub extension of config.json, ignored by Magg): curated views of the tool list,
 * served at `/mcp/p/NAME` or chosen by a token's `profile` claim.
 *
 *   "profiles": { "coder": { "servers": ["git"], "include": ["git_*"], "exclude": ["git_push"],
 *                 "tools": { "git_commit": { "name": "save_work", "description": "…" },
 *                            "git_rm": { "hidden": true } }, "mode": "search" } }
 *
 * `servers` keeps the tools of those servers (config names; `hub` is edgehub's own); `include` and
 * `exclude` are globs (`*`, `?`) over exposed names; `tools` renames (`name`), re-describes
 * (`description`) or hides (`hidden`) a tool by its exposed name; `mode` is the default mode.
 * Pure schema and helpers (no import of schema.ts, which embeds ProfilesSchema); changes are in
 * profile-changes.ts, views in gateway/profile-view.ts.
 */
import { z } from 'zod';

export const PROFILE_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const MODES = ['full', 'search', 'code'] as const;
export type Mode = (typeof MODES)[number];
const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const GLOB_RE = /^[a-zA-Z0-9_*?.-]{1,128}$/;

// Strict: profiles are edgehub's own (Magg has none to round-trip), so a typo such as `exlude` is
// refused with its path rather than kept and ignored.
export const ProfileToolSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME_RE, 'an alias must match ^[a-zA-Z0-9_-]{1,64}$').optional(),
  description: z.string().max(4096).optional(),
  hidden: z.boolean().optional(),
});

export const ProfileSchema = z
  .strictObject({
    description: z.string().max(1024).optional(),
    servers: z.array(z.string().max(64)).max(500).optional(),
    include: z.array(z.string().regex(GLOB_RE, 'globs are letters, digits, _ - . and the wildcards * ?')).max(200).optional(),
    exclude: z.array(z.string().regex(GLOB_RE, 'globs are letters, digits, _ - . and the wildcards * ?')).max(200).optional(),
    tools: z.record(z.string().regex(TOOL_NAME_RE, 'tool keys are exposed tool names'), ProfileToolSchema).optional(),
    mode: z.enum(MODES).optional(),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, string>();
    for (const [tool, o] of Object.entries(p.tools ?? {})) {
      if (!o.name) continue;
      const other = seen.get(o.name);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['tools', tool, 'name'], message: `alias '${o.name}' is already used for '${other}'` });
      seen.set(o.name, tool);
    }
  });

export const ProfilesSchema = z.record(z.string().regex(PROFILE_NAME_RE, 'profile names are letters, digits, . _ - (max 64)'), ProfileSchema);

export type Profile = z.infer<typeof ProfileSchema>;

export function profilesOf(cfg: { profiles?: Record<string, Profile> }): Record<string, Profile> {
  return cfg.profiles ?? {};
}

export function isMode(v: unknown): v is Mode {
  return typeof v === 'string' && (MODES as readonly string[]).includes(v);
}

/** `*` any run, `?` one character; everything else literal. */
export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  if (!globs.length) return () => false;
  const re = new RegExp(
    `^(?:${globs
      .map((g) =>
        g
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.'),
      )
      .join('|')})$`,
  );
  return (name) => re.test(name);
}
