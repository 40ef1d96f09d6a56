/**
 * Repository creation and the working-tree file tools (there is no local disk at the edge:
 * write_file / read_file / list_files / delete_file are how an agent edits the tree).
 * Every path goes through `treePath`: relative, inside the tree, never into `.git/`.
 */
import git from 'isomorphic-git';
import { GitToolError } from '../errors';
import { resolveCommit } from '../revparse';
import { isFsError } from '../storage/errors';
import { DIR, SYMLINK } from '../storage/files';
import { flatten } from '../tree';
import { refName, treePath } from '../validate';
import { isGitDir } from '../worktree';
import type { Handlers } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const enc = new TextEncoder();

function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(s: string): Uint8Array {
  try {
    return Uint8Array.from(atob(s.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new GitToolError('Invalid content: not valid base64');
  }
}
function decode(path: string, data: Uint8Array, encoding: 'utf8' | 'base64'): string {
  if (encoding === 'base64') return toBase64(data);
  try {
    return utf8.decode(data);
  } catch {
    throw new GitToolError(`'${path}' is not UTF-8 text; read it with encoding: 'base64'`);
  }
}
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const fileTools: Handlers<'init' | 'write_file' | 'read_file' | 'list_files' | 'delete_file'> = {
  async init({ repo, name, bucket }, { default_branch }) {
    refName('default_branch', default_branch);
    if (repo.exists())
      return {
        text: `Reinitialized existing Git repository '${name}'`,
        data: { repo: name, created: false, branch: repo.refs.target('HEAD')?.replace(/^refs\/heads\//, '') ?? default_branch },
      };
    await git.init({ ...repo.opts, defaultBranch: default_branch });
    await bucket.put(`${encodeURIComponent(repo.ident.tenant)}/${name}/repo.json`, JSON.stringify({ name, createdAt: new Date().toISOString() }));
    return { text: `Initialized empty Git repository '${name}' on branch '${default_branch}'`, data: { repo: name, created: true, branch: default_branch } };
  },

  async write_file({ repo }, { path: raw, content, encoding, executable }) {
    const path = treePath(raw);
    const data = encoding === 'base64' ? fromBase64(content) : enc.encode(content);
    const prev = repo.files.get(path);
    if (prev?.type === DIR) throw new GitToolError(`Cannot write '${path}': it is a directory`);
    const mode = executable === undefined ? (prev && prev.type !== SYMLINK ? prev.mode : 0o100644) : executable ? 0o100755 : 0o100644;
    if (prev && prev.type !== SYMLINK && prev.mode === mode && equal(repo.files.read(path), data)) {
      return { text: `File '${path}' unchanged (${data.byteLength} bytes)`, data: { path, size: data.byteLength, changed: false } };
    }
    try {
      repo.files.write(path, data, { mode });
    } catch (e) {
      if (isFsError(e, 'ENOTDIR')) throw new GitToolError(`Cannot write '${path}': a parent of it is a file`);
      throw e;
    }
    return { text: `Wrote ${data.byteLength} bytes to '${path}'`, data: { path, size: data.byteLength, changed: true } };
  },

  async read_file({ repo }, { path: raw, revision, encoding }) {
    const path = treePath(raw);
    let data: Uint8Array;
    if (revision !== undefined) {
      if (revision.startsWith('-')) throw new GitToolError(`Invalid revision: '${revision}' - cannot start with '-'`);
      const c = await repo.readCommit(await resolveCommit(repo, revision));
      const blob = (await flatten(repo, c.tree)).get(path);
      if (!blob) throw new GitToolError(`No file '${path}' in ${revision}`);
      data = await repo.readBlob(blob.oid);
    } else {
      const m = repo.files.get(path);
      if (!m) throw new GitToolError(`No such file '${path}' in the working tree`);
      if (m.type === DIR) throw new GitToolError(`'${path}' is a directory; use list_files`);
      data = repo.files.read(path);
    }
    const text = decode(path, data, encoding);
    return { text, data: { path, size: data.byteLength, content: text, encoding } };
  },

  async list_files({ repo }, { path: raw, revision, recursive }) {
    const dir = treePath(raw, true);
    const inDir = (p: string) => dir === '' || p.startsWith(`${dir}/`);
    const out: { path: string; size?: number; type: string }[] = [];
    const add = (p: string, type: string, size?: number) => {
      if (!inDir(p)) return;
      const rest = dir === '' ? p : p.slice(dir.length + 1);
      if (!recursive && rest.includes('/')) {
        const sub = (dir ? `${dir}/` : '') + rest.slice(0, rest.indexOf('/'));
        if (!out.some((e) => e.path === sub)) out.push({ path: sub, type: 'dir' });
      } else out.push({ path: p, type, ...(size !== undefined ? { size } : {}) });
    };
    if (revision !== undefined) {
      if (revision.startsWith('-')) throw new GitToolError(`Invalid revision: '${revision}' - cannot start with '-'`);
      const c = await repo.readCommit(await resolveCommit(repo, revision));
      for (const [p, b] of await flatten(repo, c.tree)) add(p, b.mode === 0o120000 ? 'symlink' : 'file');
    } else {
      const m = repo.files.get(dir);
      if (!m || m.type !== DIR) throw new GitToolError(`No such directory '${raw}' in the working tree`);
      for (const [p, meta] of repo.files.walk(dir, isGitDir)) add(p, meta.type === SYMLINK ? 'symlink' : 'file', meta.size);
    }
    out.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { text: out.map((e) => (e.type === 'dir' ? `${e.path}/` : e.path)).join('\n'), data: { files: out } };
  },

  async delete_file({ repo }, { path: raw }) {
    const path = treePath(raw);
    const m = repo.files.get(path);
    if (!m) throw new GitToolError(`No such file '${path}' in the working tree`);
    if (m.type === DIR) throw new GitToolError(`'${path}' is a directory; delete the files in it`);
    repo.files.unlink(path);
    repo.files.prune(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
    return { text: `Deleted '${path}' from the working tree`, data: { path } };
  },
};
