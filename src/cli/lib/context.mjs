/**
 * What a command receives: its parsed flags and arguments, the output sink, and a lazily built
 * admin client (commands that never talk to the API — `auth …` — never need a URL or token).
 */

import { createClient, normaliseToken, normaliseUrl } from './client.mjs';
import { usage } from './errors.mjs';
import { createOut } from './output.mjs';

/**
 * @typedef {{
 *   values: Record<string, any>,
 *   args: string[],
 *   out: import('./output.mjs').Out,
 *   env: NodeJS.ProcessEnv,
 *   url: () => string,
 *   client: () => import('./client.mjs').Client,
 * }} Ctx
 */

/** @param {{ values: Record<string, any>, positionals: string[] }} parsed @param {NodeJS.ProcessEnv} env @returns {Ctx} */
export function createCtx(parsed, env) {
  const { values } = parsed;
  const out = createOut({ json: values.json, quiet: values.quiet });
  /** @type {import('./client.mjs').Client | undefined} */
  let client;
  const url = () => normaliseUrl(values.url ?? env.EDGEHUB_URL);
  return {
    values,
    args: parsed.positionals,
    out,
    env,
    url,
    client() {
      if (client) return client;
      const secs = values.timeout === undefined ? 120 : Number(values.timeout);
      if (!Number.isFinite(secs) || secs <= 0) throw usage('--timeout must be a positive number of seconds');
      client = createClient({ url: url(), token: normaliseToken(values.token ?? env.EDGEHUB_TOKEN), timeoutMs: secs * 1000, out });
      return client;
    },
  };
}
