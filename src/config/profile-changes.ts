/**
 * Pure changes of the `profiles` section (config/profiles.ts): each takes a config and returns the
 * next one or a refusal naming the field; the ConfigService versions, audits and announces them.
 */
import type { Change } from './changes';
import { PROFILE_NAME_RE, ProfileSchema, profilesOf } from './profiles';
import type { HubConfig } from './schema';

const refuse = (status: number, error: string, field?: string): Change => ({ ok: false, status, error, field });

export function putProfile(cfg: HubConfig, name: string, input: unknown): Change {
  if (!PROFILE_NAME_RE.test(name)) return refuse(400, `profile name '${name}' must match ${PROFILE_NAME_RE}`, 'name');
  const r = ProfileSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = ['profiles', name, ...(issue?.path ?? [])].join('.');
    return refuse(400, `${path}: ${issue?.message ?? 'invalid'}`, path);
  }
  return { ok: true, config: { ...cfg, profiles: { ...profilesOf(cfg), [name]: r.data } } as HubConfig };
}

export function deleteProfile(cfg: HubConfig, name: string): Change {
  const all = profilesOf(cfg);
  if (!all[name]) return refuse(404, `profile '${name}' does not exist`, 'name');
  const profiles = { ...all };
  delete profiles[name];
  return { ok: true, config: { ...cfg, profiles } as HubConfig };
}
