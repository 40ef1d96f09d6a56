/**
 * `edgehub auth init|token|public-key|status`: a local key pair and self-minted access tokens
 * (Magg's model: the Worker holds only the public key). No network.
 */

import { userInfo } from 'node:os';
import { CliError, usage } from '../lib/errors.mjs';
import { checkClaims, DEFAULT_ISSUER, DEFAULT_SCOPE, initKeys, keyDir, loadPublicKey, loadSigningKey, parseTtl, signToken } from '../lib/keys.mjs';
import { note, printJson, println, printPairs, warn } from '../lib/output.mjs';

/** @type {Record<string, import('../lib/args.mjs').OptionSpec>} */
const DIR = { dir: { type: 'string', value: 'DIR', desc: 'key directory (env EDGEHUB_HOME; default ~/.edgehub)' } };

/** @param {string} pem @param {string} issuer */
function deployHint(pem, issuer) {
  return [
    'Give the public key to the Worker (jwt mode), then set the issuer your tokens carry:',
    '  edgehub auth public-key | npx wrangler secret put AUTH_PUBLIC_KEY',
    `  AUTH_ISSUER = "${issuer}"        # wrangler.toml [vars]`,
    'For `wrangler dev`, put both in .dev.vars (base64 keeps the PEM on one line):',
    `  AUTH_PUBLIC_KEY="${Buffer.from(pem).toString('base64')}"`,
    `  AUTH_ISSUER="${issuer}"`,
  ].join('\n');
}

/** @type {import('../lib/args.mjs').Command} */
const init = {
  summary: 'create a signing key pair (private key 0600) in the key directory',
  description: `RS256 makes an RSA-2048 pair like Magg; ES256 (P-256) and EdDSA (Ed25519) make shorter tokens.
Refuses to overwrite existing keys without --force (tokens signed by the old key stop working).`,
  options: {
    ...DIR,
    alg: { type: 'string', value: 'ALG', desc: 'RS256 (default) | ES256 | EdDSA' },
    issuer: { type: 'string', value: 'ISS', desc: `iss for minted tokens, must equal AUTH_ISSUER (default ${DEFAULT_ISSUER})` },
    audience: { type: 'string', value: 'AUD', desc: 'default aud for minted tokens (default <url>/mcp at mint time)' },
    force: { type: 'boolean', desc: 'replace existing keys' },
  },
  maxArgs: 0,
  async run(ctx) {
    const v = ctx.values;
    const k = await initKeys({ dir: keyDir(v.dir, ctx.env), alg: v.alg ?? 'RS256', force: !!v.force, issuer: v.issuer, audience: v.audience });
    if (ctx.out.json)
      return printJson(ctx.out, {
        alg: k.alg,
        kid: k.kid,
        issuer: k.meta.issuer,
        audience: k.meta.audience ?? null,
        privateKey: k.paths.private,
        publicKey: k.paths.public,
        publicPem: k.publicPem,
      });
    printPairs(ctx.out, [
      ['alg', k.alg],
      ['kid', k.kid],
      ['issuer', k.meta.issuer],
      ['private key', `${k.paths.private} (0600, keep it secret)`],
      ['public key', k.paths.public],
    ]);
    note(ctx.out, `\n${deployHint(k.publicPem, k.meta.issuer)}\nThen mint a token: edgehub auth token --sub you --scope "mcp:read mcp:call admin"`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const token = {
  summary: 'mint an access token signed with the local private key (printed on stdout)',
  description: `Claims: iss, aud, sub, iat, exp, scope (space-separated), and tenant, profile and mode when given.
Use it as: export EDGEHUB_TOKEN=$(edgehub auth token --scope admin)`,
  options: {
    ...DIR,
    sub: { type: 'string', value: 'SUB', desc: 'subject (default: your OS user name)' },
    scope: { type: 'string', value: 'SCOPES', desc: `space-separated scopes (default "${DEFAULT_SCOPE}")` },
    tenant: { type: 'string', value: 'T', desc: 'tenant claim (default: none = "default")' },
    ttl: { type: 'string', value: 'DURATION', desc: 'lifetime: 90s, 15m, 1h (default), 7d' },
    iss: { type: 'string', value: 'ISS', desc: 'issuer (default: auth.json issuer, else edgehub-cli)' },
    aud: { type: 'string', value: 'AUD', desc: 'audience (default: auth.json audience, else <url>/mcp)' },
    profile: { type: 'string', value: 'NAME', desc: 'profile claim: the token sees only that profile (/mcp/p/NAME)' },
    mode: { type: 'string', value: 'MODE', desc: 'mode claim: full, search or code (its default tool mode)' },
  },
  maxArgs: 0,
  async run(ctx) {
    const v = ctx.values;
    const k = await loadSigningKey(keyDir(v.dir, ctx.env), ctx.env, (l) => warn(ctx.out, l));
    let sub = v.sub;
    if (sub === undefined) {
      try {
        sub = userInfo().username;
      } catch {
        sub = 'edgehub-user';
      }
    }
    const { scope, warnings } = checkClaims({ sub, scope: v.scope ?? DEFAULT_SCOPE, tenant: v.tenant });
    for (const w of warnings) warn(ctx.out, w);
    const iss = v.iss ?? k.meta.issuer ?? DEFAULT_ISSUER;
    const aud = v.aud ?? k.meta.audience ?? `${ctx.url()}/mcp`;
    if (v.mode !== undefined && !['full', 'search', 'code'].includes(v.mode)) throw usage(`--mode must be full, search or code (got '${v.mode}')`);
    if (v.profile !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/.test(v.profile))
      throw usage(`--profile '${v.profile}' is not a profile name ([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})`);
    const view = { ...(v.profile !== undefined ? { profile: v.profile } : {}), ...(v.mode !== undefined ? { mode: v.mode } : {}) };
    const t = await signToken(k, { iss, aud, sub, scope, tenant: v.tenant, ttlSec: parseTtl(v.ttl ?? '1h'), view });
    if (ctx.out.json) return printJson(ctx.out, t);
    println(ctx.out, t.token);
    note(
      ctx.out,
      `token for sub '${sub}' scope '${scope}' tenant '${v.tenant ?? 'default'}' aud ${aud} iss ${iss}, expires ${new Date(t.claims.exp * 1000).toISOString()}`,
    );
  },
};

/** @type {import('../lib/args.mjs').Command} */
const publicKey = {
  summary: 'print the public key PEM (the value of AUTH_PUBLIC_KEY)',
  description: 'stdout carries the PEM only, so it pipes: edgehub auth public-key | npx wrangler secret put AUTH_PUBLIC_KEY',
  options: { ...DIR, base64: { type: 'boolean', desc: 'print it base64-encoded on one line (.dev.vars, CI secrets)' } },
  maxArgs: 0,
  async run(ctx) {
    const k = await loadPublicKey(keyDir(ctx.values.dir, ctx.env));
    const issuer = k.meta.issuer ?? DEFAULT_ISSUER;
    if (ctx.out.json) return printJson(ctx.out, { alg: k.alg, kid: k.kid, issuer, publicKey: k.pem, base64: Buffer.from(k.pem).toString('base64') });
    println(ctx.out, ctx.values.base64 ? Buffer.from(k.pem).toString('base64') : k.pem);
    note(ctx.out, `\n${deployHint(k.pem, issuer)}`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const status = {
  summary: 'show the local key pair and token defaults',
  options: DIR,
  maxArgs: 0,
  async run(ctx) {
    const dir = keyDir(ctx.values.dir, ctx.env);
    let k;
    try {
      k = await loadSigningKey(dir, ctx.env, (l) => warn(ctx.out, l));
    } catch (e) {
      if (e instanceof CliError && ctx.out.json) {
        printJson(ctx.out, { dir, configured: false, error: e.message });
        return 1;
      }
      throw e;
    }
    const info = {
      dir,
      configured: true,
      source: k.source,
      alg: k.alg,
      kid: k.kid,
      issuer: k.meta.issuer ?? DEFAULT_ISSUER,
      audience: k.meta.audience ?? `${ctx.url()}/mcp`,
    };
    if (ctx.out.json) return printJson(ctx.out, info);
    printPairs(ctx.out, [
      ['key', info.source],
      ['alg', info.alg],
      ['kid', info.kid],
      ['issuer', info.issuer],
      ['audience', info.audience],
    ]);
  },
};

export const auth = { summary: 'key pair and access tokens (auth init|token|public-key|status)', commands: { init, token, 'public-key': publicKey, status } };
