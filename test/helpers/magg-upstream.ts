// The files of test/fixtures/magg-upstream (Magg's own configs and kit files, see its NOTICE.md)
// as the manifest lists them, and the only ways edgehub's export of one may differ from it.
import manifest from '../fixtures/magg-upstream/manifest.json';

export type MaggFile = (typeof manifest.files)[number] & { kit_name?: string; message?: string; warnings?: string[]; magg_stores?: Record<string, unknown> };

export const MAGG_COMMIT = manifest.commit;
export const maggFiles = manifest.files as MaggFile[];
export const maggConfigs = maggFiles.filter((e) => e.kind === 'config');
export const maggKits = maggFiles.filter((e) => e.kind === 'kit');
/** magg_add_server arguments from Magg's docs and tests, with the entry Magg stores for them. */
export const maggAddServer = maggFiles.filter((e) => e.kind === 'add_server');
export const maggFile = (file: string) => {
  const e = maggFiles.find((x) => x.file === file);
  if (!e) throw new Error(`${file} is not in test/fixtures/magg-upstream/manifest.json`);
  return e;
};

/**
 * Each documented edgehub behaviour that makes an export differ from the file imported, with why.
 * Anything else that differs is a bug (a field lost, added or changed on the way).
 */
export const NORMALISED: Record<string, { reason: string; apply(cfg: any): any }> = {
  'configs/docs-index-docker-server.json': {
    reason: 'exports redact secrets: an env value that is not a ${NAME} reference is shown as *** (README, Configuration)',
    apply: (cfg) => {
      cfg.servers['docker-server'].env.DOCKER_HOST = '***';
      return cfg;
    },
  },
};

/** What GET /admin/api/config (or `edgehub config export`) must return after importing `e`. */
export function expectedExport(e: MaggFile, text: string): unknown {
  const input = JSON.parse(text);
  return NORMALISED[e.file]?.apply(structuredClone(input)) ?? input;
}
