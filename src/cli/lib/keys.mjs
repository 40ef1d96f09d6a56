/**
 * The signing key pair and token minting for `edgehub auth …`, in the format edgehub verifies
 * (src/auth/keys.ts, verify.ts) and src/auth/mint.ts produces — mirrored here because the bin is
 * plain Node ESM and cannot import TypeScript:
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
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, SignJWT } from 'jose';
import { CliError, usage } from './errors.mjs';

export const ALGS = /** @type {const} */ (['RS256', 'ES256', 'EdDSA']);
/** @typedef {typeof ALGS[number]} Alg */
export const DEFAULT_ISSUER = 'edgehub-cli';
export const KNOWN_SCOPES = ['mcp:read', 'mcp:call', 'admin'];
export const DEFAULT_SCOPE = KNOWN_SCOPES.join(' ');
// Same rules as src/auth/verify.ts (TENANT_RE, SUB_RE) and scopes.ts (RFC 6749 §3.3 scope-token).
export const TENANT_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SUB_RE = /^[^\x00-\x1f\x7f]{1,256}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

const FILES = { private: 'private-key.pem', public: 'public-key.pem', meta: 'auth.json' };

/** @param {string | undefined} dir @param {NodeJS.ProcessEnv} env */
export function keyDir(dir, env) {
  return dir ?? env.EDGEHUB_HOME ?? join(homedir(), '.edgehub');
}

/** @param {string} dir */
export const keyPaths = (dir) => ({ dir, private: join(dir, FILES.private), public: join(dir, FILES.public), meta: join(dir, FILES.meta) });

/** @param {string} s */
function normaliseAlg(s) {
  const a = ALGS.find((x) => x.toLowerCase() === s.toLowerCase()) ?? (/^ed25519$/i.test(s) ? 'EdDSA' : undefined);
  if (!a) throw usage(`--alg must be one of ${ALGS.join(', ')}`);
  return a;
}

/** @param {Alg} alg */
export async function generateKeys(alg) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  return {
    alg,
    kid: await calculateJwkThumbprint(await exportJWK(publicKey)),
    publicPem: await exportSPKI(publicKey),
    privatePem: await exportPKCS8(privateKey),
  };
}

/** Writes a file atomically (temp file + rename) with `mode`, so a key is never briefly world-readable. */
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
  const k = await generateKeys(alg);
  writeSecure(p.private, k.privatePem, 0o600);
  writeSecure(p.public, k.publicPem, 0o644);
  const meta = { alg: k.alg, kid: k.kid, issuer: o.issuer ?? DEFAULT_ISSUER, ...(o.audience ? { audience: o.audience } : {}), createdAt: new Date().toISOString() };
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

/** @param {string} pem */
async function importPrivate(pem) {
  for (const alg of ALGS) {
    try {
      return { alg, key: await importPKCS8(pem, alg, { extractable: true }) };
    } catch {
      /* try the next family */
    }
  }
  throw new CliError('the private key is not an RSA, P-256 or Ed25519 PKCS#8 PEM');
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
  const { alg, key } = await importPrivate(pem);
  const publicJwk = await exportJWK(key);
  delete publicJwk.d;
  for (const k of ['p', 'q', 'dp', 'dq', 'qi']) delete publicJwk[k];
  const kid = await calculateJwkThumbprint(publicJwk);
  return { alg, key, kid, source, meta: source === p.private ? readMeta(p.meta) : {} };
}

/** Reads the public key PEM (and what auth.json says) for `auth public-key`. @param {string} dir */
export async function loadPublicKey(dir) {
  const p = keyPaths(dir);
  if (!existsSync(p.public)) throw new CliError(`no public key in ${p.dir}`, { hint: 'create a key pair with `edgehub auth init`' });
  const pem = readFileSync(p.public, 'utf8').trim();
  for (const alg of ALGS) {
    try {
      const key = await importSPKI(pem, alg, { extractable: true });
      return { pem, alg, kid: await calculateJwkThumbprint(await exportJWK(key)), meta: readMeta(p.meta), path: p.public };
    } catch {
      /* next family */
    }
  }
  throw new CliError(`${p.public} is not an RSA, P-256 or Ed25519 SPKI public key`);
}

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. @param {string} s */
export function parseTtl(s) {
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(String(s).trim());
  const n = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase()] : NaN;
  if (!m || !(n > 0)) throw usage(`--ttl must be a duration like 90s, 15m, 1h or 7d (got '${s}')`);
  return n;
}

/**
 * Validates and normalises the claims a person asked for; returns warnings for the unusual.
 * @param {{ sub: string, scope: string, tenant?: string }} c
 */
export function checkClaims(c) {
  const warnings = [];
  if (!SUB_RE.test(c.sub)) throw usage('--sub must be 1–256 characters without control characters');
  if (c.tenant !== undefined && !TENANT_RE.test(c.tenant)) throw new CliError(`--tenant must match ${TENANT_RE} (lowercase letters, digits, '-')`, { exitCode: 2, field: 'tenant' });
  const scopes = [...new Set(c.scope.split(/[\s,]+/).filter(Boolean))];
  for (const s of scopes) if (!SCOPE_TOKEN.test(s)) throw new CliError(`scope '${s}' is not a valid scope token`, { exitCode: 2, field: 'scope' });
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
  if (unknown.length) warnings.push(`edgehub does not know the scope(s) ${unknown.join(', ')}; it uses ${KNOWN_SCOPES.join(', ')}`);
  if (scopes.length === 0) warnings.push('the token has no scopes: edgehub will allow it nothing');
  return { scope: scopes.join(' '), warnings };
}

/**
 * @param {{ alg: Alg, key: CryptoKey, kid: string }} k
 * @param {{ iss: string, aud: string, sub: string, scope: string, tenant?: string, ttlSec: number, now?: number }} c
 */
export async function signToken(k, c) {
  const now = c.now ?? Math.floor(Date.now() / 1000);
  /** @type {Record<string, unknown>} */
  const payload = { scope: c.scope };
  if (c.tenant !== undefined) payload.tenant = c.tenant;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: k.alg, typ: 'JWT', kid: k.kid })
    .setIssuer(c.iss)
    .setAudience(c.aud)
    .setSubject(c.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + c.ttlSec)
    .sign(k.key);
  return { token, header: { alg: k.alg, typ: 'JWT', kid: k.kid }, claims: { iss: c.iss, aud: c.aud, sub: c.sub, ...payload, iat: now, exp: now + c.ttlSec } };
}
