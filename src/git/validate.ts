/**
 * Argument checks shared by every git tool and the smart-HTTP routes. These are the security
 * boundary of the git server:
 * - repository names never escape the tenant's store (the Repo DO name is `${tenant}:${repo}`),
 * - ref-like arguments never start with '-' (they could be read as options; reference test
 *   cases 32–43 pin the exact message),
 * - file paths stay inside the working tree and never reach `.git/`.
 */
import { GitToolError } from './errors';

const REPO_NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** `demo`, `/demo`, `/repos/demo`, `repos/demo/` → `demo`; anything that could escape → error. */
export function repoName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new GitToolError('Invalid repo_path: a repository name is required');
  let name = raw.trim().replace(/\/+$/, '');
  if (name.startsWith('/')) name = name.replace(/^\/+/, '');
  if (name.startsWith('repos/')) name = name.slice('repos/'.length);
  if (!REPO_NAME_RE.test(name) || name === '.' || name === '..' || name.startsWith('..')) {
    throw new GitToolError(
      `Invalid repo_path '${raw}': name a repository held by edgehub (letters, digits, '.', '_', '-'; e.g. 'demo'); paths outside the repository store are refused`,
    );
  }
  return name;
}

/** Reference behaviour: `Invalid <field>: '<value>' - cannot start with '-'`. */
export function noDash(field: string, value: string | undefined | null): void {
  if (typeof value === 'string' && value.startsWith('-')) throw new GitToolError(`Invalid ${field}: '${value}' - cannot start with '-'`);
}

/**
 * git check-ref-format rules, the one validator for every ref name edgehub accepts (tool
 * arguments and smart-HTTP ref updates): no `..`, `//`, `@{`, control characters, space or
 * `~ ^ : ? * [ \`; no component starting with `.` or ending in `.lock`; no leading or trailing
 * `/`, no trailing `.`; not `@`.
 */
function validRefFormat(name: string): boolean {
  return !(
    name === '' ||
    name === '@' ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(name) ||
    name.includes('..') ||
    name.includes('@{') ||
    name.includes('//') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))
  );
}

/** A branch or tag short name (tool arguments): check-ref-format, not `HEAD`, no leading '-'. */
export function refName(field: string, name: string): string {
  noDash(field, name);
  if (name === 'HEAD' || !validRefFormat(name)) throw new GitToolError(`Invalid ${field}: '${name}' is not a valid ref name`);
  return name;
}

/** A full ref a push may update: `refs/heads/<name>` or `refs/tags/<name>`, name as for refName. */
export function pushableRef(ref: string): 'ok' | 'invalid' | 'namespace' {
  const m = /^refs\/(?:heads|tags)\/(.*)$/s.exec(ref);
  if (!validRefFormat(ref) || !ref.startsWith('refs/') || /^refs\/(heads|tags)$/.test(ref)) return 'invalid';
  if (!m) return 'namespace';
  return m[1] === '' || m[1] === 'HEAD' || m[1].startsWith('-') || !validRefFormat(m[1]) ? 'invalid' : 'ok';
}

/**
 * A working-tree path relative to the repository root ('a/b.txt'). Refuses absolute paths,
 * paths that leave the root, and anything inside `.git`. `allowRoot` accepts '.' / '' (= all).
 */
export function treePath(raw: string, allowRoot = false): string {
  if (typeof raw !== 'string') throw new GitToolError('Invalid path: expected a string');
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\')) {
    throw new GitToolError(`Invalid path '${raw}': absolute paths are outside the repository; use a path relative to the repository root`);
  }
  if (raw.includes('\0')) throw new GitToolError(`Invalid path '${raw}': contains a NUL byte`);
  const out: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) throw new GitToolError(`Invalid path '${raw}': it is outside the repository`);
      out.pop();
    } else out.push(part);
  }
  if (out.some((p) => p.toLowerCase() === '.git')) throw new GitToolError(`Invalid path '${raw}': the .git directory cannot be accessed with file tools`);
  const path = out.join('/');
  if (!path && !allowRoot) throw new GitToolError(`Invalid path '${raw}': it names the repository root, not a file`);
  return path;
}
