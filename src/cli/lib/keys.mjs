/**
 * The signing key pair and token minting for `edgehub auth …`: the files and the person-facing
 * checks. The key and token format and the tenant/sub/scope rules are src/auth/tokens.mjs, the
 * same module the Worker verifies with (see there):
 *   keys    RS256 = RSA-2048 (Magg's choice), ES256 = P-256, EdDSA = Ed25519; PKCS#8 private PEM,
 *           SPKI public PEM (the value of AUTH_PUBLIC_KEY); kid = RFC 7638 thumbprint
 *   tokens  header {alg, typ: JWT, kid}; claims iss, aud, sub, iat, exp, scope (space-separated),
 *           tenant (omitted = "default")
 * Key directory (EDGEHUB_HOME, default ~/.edgehub; 0700):
 *   private-key.pem  0600, never leaves this machine
 *   public-key.pem   give it to the Worker: `edgehub auth public-key | wrangler secret put AUTH_PUBLIC_KEY`
 *   auth.json        {alg, kid, issuer, audience?}: defaults for `auth token`
 * EDGEHUB_PRIVATE_KEY (a PEM, or base64 of one) replaces the files, e.g. in CI.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_ISSUER,
  generateSigningKeys,
  importPublicKey,
  importSigningKey,
  isScopeToken,
  isSubject,
  isTenant,
  keyThumbprint,
  SCOPES,
  SIGNING_ALGS,
  signAccessToken,
  splitScopeList,
  TENANT_RE,
} from '../../auth/tokens.mjs';
import { CliError, usage } from './errors.mjs';

/** @typedef {import('../../auth/tokens.mjs').SigningAlg} Alg */
export { DEFAULT_ISSUER };
// A connector token is minted on purpose (`--scope connector`): it is for machines, not people.
export const DEFAULT_SCOPE = SCOPES.filter((s) => s !== 'connector').join(' ');

const FILES = { private: 'private-key.pem', public: 'public-key.pem', meta: 'auth.json' };

/** @param {string | undefined} dir @param {NodeJS.ProcessEnv} env */
export function keyDir(dir, env) {
  return dir ?? env.EDGEHUB_HOME ?? join(homedir(), '.edgehub');
}

/** @param {string} dir */
export const keyPaths = (dir) => ({ dir, private: join(dir, FILES.private), public: join(dir, FILES.public), meta: join(dir, FILES.meta) });

/** @param {string} s */
function normaliseAlg(s) {
  const a = SIGNING_ALGS.find((x) => x.toLowerCase() === s.toLowerCase()) ?? (/^ed25519$/i.test(s) ? 'EdDSA' : undefined);
  if (!a) throw usage(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
  return a;
}

/**
 * Writes a file atomically (temp file + rename) with `mode`, so a key is never briefly world-readable.
 * @param {string} path @param {string} text @param {number} mode
 */
function writeSecure(path, text, mode) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  chmodSync(tmp, mode); // the umask may have narrowed or (on some systems) not applied the mode
  renameSync(tmp, path);
}

/**
 * @param {{ dir: string, alg: string, force: boolean, issuer?: string, audience?: string }} o
 */
export async function initKeys(o) {
  const alg = normaliseAlg(o.alg);
  const p = keyPaths(o.dir);
  if (!o.force && (existsSync(p.private) || existsSync(p.public)))
    throw new CliError(`keys already exist in ${p.dir}; pass --force to replace them (every token signed with the old key stops working)`);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const k = await generateSigningKeys(alg);
  writeSecure(p.private, k.privatePem, 0o600);
  writeSecure(p.public, k.publicPem, 0o644);
  const meta = {
    alg: k.alg,
    kid: k.kid,
    issuer: o.issuer ?? DEFAULT_ISSUER,
    ...(o.audience ? { audience: o.audience } : {}),
    createdAt: new Date().toISOString(),
  };
  writeSecure(p.meta, `${JSON.stringify(meta, null, 2)}\n`, 0o644);
  return { ...k, paths: p, meta };
}

/** @param {string} raw PEM, or base64 of a PEM */
function pemText(raw) {
  const t = raw.trim().replace(/\\n/g, '\n');
  if (t.includes('-----BEGIN')) return t;
  try {
    const d = Buffer.from(t, 'base64').toString('utf8');
    if (d.includes('-----BEGIN')) return d.trim();
  } catch {
    /* reported below */
  }
  throw new CliError('EDGEHUB_PRIVATE_KEY is neither a PEM nor base64 of a PEM');
}

/** @param {string} path */
function readMeta(path) {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CliError(`${path} is not valid JSON; fix or delete it`);
  }
}

/**
 * Loads the signing key: EDGEHUB_PRIVATE_KEY, else <dir>/private-key.pem.
 * @param {string} dir @param {NodeJS.ProcessEnv} env @param {(line: string) => void} onWarn
 */
export async function loadSigningKey(dir, env, onWarn) {
  const p = keyPaths(dir);
  let pem;
  let source;
  if (env.EDGEHUB_PRIVATE_KEY?.trim()) {
    pem = pemText(env.EDGEHUB_PRIVATE_KEY);
    source = 'EDGEHUB_PRIVATE_KEY';
  } else {
    if (!existsSync(p.private)) throw new CliError(`no signing key in ${p.dir}`, { hint: 'create one with `edgehub auth init` (or set EDGEHUB_HOME / --dir)' });
    const mode = statSync(p.private).mode & 0o777;
    if (process.platform !== 'win32' && mode & 0o077) onWarn(`${p.private} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
    pem = readFileSync(p.private, 'utf8');
    source = p.private;
  }
  if (/PRIVATE KEY-----/.test(pem) && !/BEGIN PRIVATE KEY/.test(pem))
    throw new CliError(`${source} is not PKCS#8 (BEGIN PRIVATE KEY); convert it: openssl pkcs8 -topk8 -nocrypt -in old.pem -out private-key.pem`);
  let k;
  try {
    k = await importSigningKey(pem);
  } catch {
    throw new CliError('the private key is not an RSA, P-256 or Ed25519 PKCS#8 PEM');
  }
  return { alg: k.alg, key: k.privateKey, kid: k.kid, source, meta: source === p.private ? readMeta(p.meta) : {} };
}

/** Reads the public key PEM (and what auth.json says) for `auth public-key`. @param {string} dir */
export async function loadPublicKey(dir) {
  const p = keyPaths(dir);
  if (!existsSync(p.public)) throw new CliError(`no public key in ${p.dir}`, { hint: 'create a key pair with `edgehub auth init`' });
  const pem = readFileSync(p.public, 'utf8').trim();
  let k;
  try {
    k = await importPublicKey(pem);
  } catch {
    throw new CliError(`${p.public} is not an RSA, P-256 or Ed25519 SPKI public key`);
  }
  return { pem, alg: k.alg, kid: await keyThumbprint(k.key), meta: readMeta(p.meta), path: p.public };
}

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. @param {string} s */
export function parseTtl(s) {
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(String(s).trim());
  const n = m ? Number(m[1]) * /** @type {Record<string, number>} */ ({ s: 1, m: 60, h: 3600, d: 86400 })[(m[2] ?? 's').toLowerCase()] : NaN;
  if (!m || !(n > 0)) throw usage(`--ttl must be a duration like 90s, 15m, 1h or 7d (got '${s}')`);
  return n;
}

/**
 * Validates and normalises the claims a person asked for; returns warnings for the unusual.
 * @param {{ sub: string, scope: string, tenant?: string }} c
 */
export function checkClaims(c) {
  const warnings = [];
  if (!isSubject(c.sub)) throw usage('--sub must be 1–256 characters without control characters');
  if (c.tenant !== undefined && !isTenant(c.tenant))
    throw new CliError(`--tenant must match ${TENANT_RE} (lowercase letters, digits, '-')`, { exitCode: 2, field: 'tenant' });
  const scopes = splitScopeList(c.scope);
  for (const s of scopes) if (!isScopeToken(s)) throw new CliError(`scope '${s}' is not a valid scope token`, { exitCode: 2, field: 'scope' });
  const unknown = scopes.filter((s) => !(/** @type {readonly string[]} */ (SCOPES).includes(s)));
  if (unknown.length) warnings.push(`edgehub does not know the scope(s) ${unknown.join(', ')}; it uses ${SCOPES.join(', ')}`);
  if (scopes.length === 0) warnings.push('the token has no scopes: edgehub will allow it nothing');
  return { scope: scopes.join(' '), warnings };
}

/**
 * @param {{ alg: Alg, key: CryptoKey, kid: string }} k
 * @param {{ iss: string, aud: string, sub: string, scope: string, tenant?: string, ttlSec: number, now?: number, view?: { profile?: string, mode?: string } }} c
 */
export async function signToken(k, c) {
  const now = c.now ?? Math.floor(Date.now() / 1000);
  const token = await signAccessToken(
    k.key,
    { iss: c.iss, aud: c.aud, sub: c.sub, scope: c.scope, tenant: c.tenant, ttlSec: c.ttlSec, extra: c.view },
    { alg: k.alg, kid: k.kid, now },
  );
  /** @type {{ scope: string, tenant?: string, profile?: string, mode?: string }} */
  const payload = { scope: c.scope, ...c.view };
  if (c.tenant !== undefined) payload.tenant = c.tenant;
  return { token, header: { alg: k.alg, typ: 'JWT', kid: k.kid }, claims: { iss: c.iss, aud: c.aud, sub: c.sub, ...payload, iat: now, exp: now + c.ttlSec } };
}
