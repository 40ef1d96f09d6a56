/**
 * Writes the tree objects of the current index and returns the root tree id — the `git
 * write-tree` step of a commit. Every directory is serialised and hashed (sync SHA-1, µs each),
 * but only trees the repository does not have yet are deflated and stored, so a one-file commit
 * in a 3,500-file tree stores ~depth new trees instead of re-writing all of them (which is what
 * isomorphic-git's commit does).
 */
import type { Repo } from './repo';
import { looseObject } from './zlib';

interface Child {
  name: Uint8Array;
  mode: string;
  oid: string;
  dir?: string;
}

const enc = new TextEncoder();

/** git's tree order: bytewise by name, a directory compared as if its name ended with '/'. */
function compareEntries(a: Child, b: Child): number {
  const x = a.dir !== undefined ? [...a.name, 0x2f] : a.name;
  const y = b.dir !== undefined ? [...b.name, 0x2f] : b.name;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function hexToBytes(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 20; i++) out[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

export async function writeIndexTree(repo: Repo): Promise<string> {
  const dirs = new Map<string, Child[]>([['', []]]);
  const ensure = (dir: string): Child[] => {
    let list = dirs.get(dir);
    if (list) return list;
    list = [];
    dirs.set(dir, list);
    const cut = dir.lastIndexOf('/');
    ensure(cut < 0 ? '' : dir.slice(0, cut)).push({ name: enc.encode(dir.slice(cut + 1)), mode: '40000', oid: '', dir });
    return list;
  };
  for (const [path, e] of repo.index().entries) {
    const cut = path.lastIndexOf('/');
    ensure(cut < 0 ? '' : path.slice(0, cut)).push({ name: enc.encode(path.slice(cut + 1)), mode: e.mode.toString(8), oid: e.oid });
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
    const { oid, deflated } = looseObject('tree', body);
    if (!repo.objects.has(oid)) await repo.objects.put(oid, deflated);
    return oid;
  };
  return write('');
}
