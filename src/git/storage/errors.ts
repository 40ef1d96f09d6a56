/**
 * Node-style fs errors (`code` = ENOENT, ENOTDIR, EEXIST, EISDIR, ENOTEMPTY): isomorphic-git
 * branches on `err.code`, so the code is the contract; the message follows Node's wording.
 */
type FsCode = 'ENOENT' | 'ENOTDIR' | 'EEXIST' | 'EISDIR' | 'ENOTEMPTY' | 'EBUSY' | 'EINVAL';

interface FsError extends Error {
  code: FsCode;
  path: string;
  syscall: string;
}

const TEXT: Record<FsCode, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file already exists',
  EISDIR: 'illegal operation on a directory',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'resource busy or locked',
  EINVAL: 'invalid argument',
};

export function fsError(code: FsCode, syscall: string, path: string): FsError {
  return Object.assign(new Error(`${code}: ${TEXT[code]}, ${syscall} '/${path}'`), { code, path: `/${path}`, syscall });
}

export function isFsError(e: unknown, code?: FsCode): e is FsError {
  return typeof e === 'object' && e !== null && typeof (e as FsError).code === 'string' && (!code || (e as FsError).code === code);
}
