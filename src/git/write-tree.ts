/**
 * Writes the tree objects of the current index and returns the root tree id — the `git
 * write-tree` step of a commit. Every directory is serialised and hashed (sync SHA-1, µs each),
 * but only trees the repository does not have yet are deflated and stored, so a one-file commit
 * in a 3,500-file tree stores ~depth new trees instead of re-writing all of them (which is what
 * isomorphic-git's commit does).
 */
import { compareBytes, hexToBytes } from '../utils/bytes';
import type { Repo } from './repo';

interface Child {
  name: Uint8Array;
  /** The name as sorted: a directory's name followed by '/'. */
  key: Uint8Array;
  mode: string;
  oid: string;
  dir?: string;
}

const enc = new TextEncoder();

/** git's tree order: bytewise by name, a directory compared as if its name ended with '/'. */
const compareEntries = (a: Child, b: Child): number => compareBytes(a.key, b.key);

export async function writeIndexTree(repo: Repo): Promise<string> {
  const dirs = new Map<string, Child[]>([['', []]]);
  const ensure = (dir: string): Child[] => {
    let list = dirs.get(dir);
    if (list) return list;
    list = [];
    dirs.set(dir, list);
    const cut = dir.lastIndexOf('/');
    const name = enc.encode(dir.slice(cut + 1));
    const key = new Uint8Array(name.byteLength + 1);
    key.set(name);
    key[name.byteLength] = 0x2f;
    ensure(cut < 0 ? '' : dir.slice(0, cut)).push({ name, key, mode: '40000', oid: '', dir });
    return list;
  };
  for (const [path, e] of repo.index().entries) {
    const cut = path.lastIndexOf('/');
    const name = enc.encode(path.slice(cut + 1));
    ensure(cut < 0 ? '' : path.slice(0, cut)).push({ name, key: name, mode: e.mode.toString(8), oid: e.oid });
  }
  const write = async (dir: string): Promise<string> => {
    const children = dirs.get(dir)!;
    for (const c of children) if (c.dir !== undefined) c.oid = await write(c.dir);
    children.sort(compareEntries);
    const mode = children.map((c) => enc.encode(`${c.mode} `));
    const size = children.reduce((n, c, i) => n + mode[i].byteLength + c.name.byteLength + 21, 0);
    const body = new Uint8Array(size);
    let at = 0;
    children.forEach((c, i) => {
      body.set(mode[i], at);
      at += mode[i].byteLength;
      body.set(c.name, at);
      at += c.name.byteLength;
      body[at++] = 0;
      hexToBytes(c.oid, body, at);
      at += 20;
    });
    return repo.writeObject('tree', body);
  };
  return write('');
}
