/**
 * `edgehub connect [--name NAME]`: runs this machine as a connector of the token's tenant. It dials
 * out to edgehub (no inbound port), receives the stdio entries assigned to NAME (`transport.connector`,
 * default `default`), runs them as child processes and serves them to edgehub's clients; it runs
 * until stopped (Ctrl-C). The token needs the `connector` (or `admin`) scope. See README
 * "Connectors" and docs/cli.md.
 */
import { normaliseToken } from '../lib/client.mjs';
import { runConnector } from '../lib/connector-link.mjs';
import { usage } from '../lib/errors.mjs';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/** @type {import('../lib/args.mjs').Command} */
export const connect = {
  summary: "run this machine's stdio servers for edgehub (dials out; runs until stopped)",
  maxArgs: 0,
  options: { name: { type: 'string', value: 'NAME', desc: 'connector name: serves entries whose transport.connector is NAME (default "default")' } },
  async run(ctx) {
    const name = ctx.values.name ?? 'default';
    if (!NAME_RE.test(name)) throw usage('--name takes letters, digits, . _ - (at most 64)');
    const quiet = !!ctx.values.quiet;
    return runConnector({
      url: ctx.url(),
      token: normaliseToken(ctx.values.token ?? ctx.env.EDGEHUB_TOKEN),
      name,
      env: ctx.env,
      log: (line) => {
        if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      },
    });
  },
};
