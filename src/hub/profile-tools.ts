/**
 * The hub's profile tools (`hub_list_profiles`, `hub_set_profile`, `hub_remove_profile`): the
 * config's `profiles` (config/profiles.ts) managed like servers and kits: each change is a new
 * audited config version, and live sessions get `notifications/tools/list_changed`. Mutations need
 * the `admin` scope (hub/provider.ts MUTATING).
 */
import type { ConfigApi } from '../config/api';
import { profilesOf } from '../config/profiles';
import type { ChangeResult } from '../config/service';
import type { Json, ToolDef } from '../gateway/provider';
import type { RequestContext } from '../mcp/context';
import { toolError } from '../mcp/errors';

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false });
const name = { name: { type: 'string', description: 'Profile name (served at /mcp/p/NAME).' } };

export const PROFILE_TOOLS: ToolDef[] = [
  {
    name: 'list_profiles',
    description:
      'List profiles: curated views of the tool list served at /mcp/p/NAME (servers, include/exclude globs, renamed, re-described or hidden tools, default mode).',
    inputSchema: obj({}),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'set_profile',
    description:
      'Create or replace a profile. profile: {servers?: [names], include?: [globs], exclude?: [globs], tools?: {"<exposed name>": {name?: alias, description?, hidden?}}, mode?: full|search|code}.',
    inputSchema: obj({ ...name, profile: { type: 'object' } }, ['name', 'profile']),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'remove_profile',
    description: 'Remove a profile.',
    inputSchema: obj(name, ['name']),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
];

export const PROFILE_MUTATIONS = ['set_profile', 'remove_profile'];
const NAMES = new Set(PROFILE_TOOLS.map((t) => t.name));

export function isProfileTool(tool: string): boolean {
  return NAMES.has(tool);
}

export async function runProfileTool(
  config: ConfigApi,
  ctx: RequestContext,
  tool: string,
  args: Json,
  change: (r: ChangeResult, what: string) => Promise<Json>,
): Promise<Json> {
  const actor = { sub: ctx.principal.sub };
  const n = typeof args.name === 'string' ? args.name : '';
  if (tool === 'list_profiles') {
    const profiles = profilesOf((await config.redacted()).config);
    const list = Object.entries(profiles).map(([k, p]) => ({ name: k, ...p }));
    return { content: [{ type: 'text', text: JSON.stringify(list, null, 2) }], structuredContent: { profiles: list } };
  }
  if (!n) return toolError('name is required');
  if (tool === 'set_profile') return change(await config.putProfile(actor, n, args.profile), `Profile '${n}' saved`);
  return change(await config.deleteProfile(actor, n), `Profile '${n}' removed`);
}
