/**
 * RefStore: branch, tag and remote refs with compare-and-set, over FileStore.
 *
 * Loose refs are the files `.git/HEAD` and `.git/refs/**` (plus `.git/packed-refs`, which clone
 * may write), so isomorphic-git reads them unchanged. Every ref update edgehub makes itself
 * (commit, branch, tag, merge, push) goes through `cas`: the expected old value is checked and
 * the new one written inside one synchronous SQLite transaction, so no interleaved request can
 * slip between the check and the write, and a lost update is reported instead of hidden.
 */
import type { FileStore } from './files';

const enc = new TextEncoder();
const dec = new TextDecoder();
export const ZERO_OID = '0'.repeat(40);

interface Packed {
  ino: number;
  refs: Map<string, string>;
  peeled: Map<string, string>;
}

export class RefStore {
  #packed: Packed | null = null;

  constructor(
    private readonly files: FileStore,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** The raw value of a ref: an oid, `ref: <target>` for a symbolic ref, or null. */
  read(name: string): string | null {
    const m = this.files.get(`.git/${name}`);
    if (m && m.type !== 2) return dec.decode(this.files.read(`.git/${name}`)).trim();
    return this.#packedRefs().refs.get(name) ?? null;
  }

  /** Follows symbolic refs to an oid; null for a missing or unborn ref. */
  resolve(name: string): string | null {
    let v = this.read(name);
    for (let i = 0; i < 5 && v?.startsWith('ref: '); i++) v = this.read(v.slice(5));
    return v && /^[0-9a-f]{40}$/.test(v) ? v : null;
  }

  /** The target of a symbolic ref (`refs/heads/main` for HEAD on main), or null when detached. */
  target(name = 'HEAD'): string | null {
    const v = this.read(name);
    return v?.startsWith('ref: ') ? v.slice(5) : null;
  }

  /** The peeled commit of an annotated tag when packed-refs recorded it. */
  peeled(name: string): string | undefined {
    return this.#packedRefs().peeled.get(name);
  }

  /** Direct refs under a prefix (e.g. `refs/heads/`), name → oid, sorted by name. */
  list(prefix: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, oid] of this.#packedRefs().refs) if (name.startsWith(prefix)) out.set(name, oid);
    const dir = `.git/${prefix.replace(/\/$/, '')}`;
    if (this.files.get(dir)?.type === 2) {
      for (const [path] of this.files.walk(dir)) {
        const name = path.slice(5);
        const v = this.read(name);
        if (v && !v.startsWith('ref: ')) out.set(name, v);
      }
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * Sets `name` to `next` (null deletes) only if its current value is `expected` (null = must
   * not exist). Returns false, changing nothing, when someone else moved the ref first.
   */
  cas(name: string, expected: string | null, next: string | null): boolean {
    return this.storage.transactionSync(() => {
      const cur = this.read(name);
      if ((cur ?? null) !== expected) return false;
      if (next === null) this.#delete(name);
      else this.files.write(`.git/${name}`, enc.encode(`${next}\n`));
      return true;
    });
  }

  setSymbolic(name: string, target: string): void {
    this.files.write(`.git/${name}`, enc.encode(`ref: ${target}\n`));
  }

  #delete(name: string): void {
    const path = `.git/${name}`;
    if (this.files.get(path)) {
      this.files.unlink(path);
      this.files.prune(parentDir(path), '.git/refs');
    }
    const packed = this.#packedRefs();
    if (packed.refs.has(name)) {
      const text = dec.decode(this.files.read('.git/packed-refs'));
      const lines = text.split('\n');
      const out: string[] = [];
      for (let i = 0; i < lines.length; i++) {
        if (lines[i].endsWith(` ${name}`)) {
          if (lines[i + 1]?.startsWith('^')) i++;
          continue;
        }
        out.push(lines[i]);
      }
      this.files.write('.git/packed-refs', enc.encode(out.join('\n')));
    }
  }

  #packedRefs(): Packed {
    const m = this.files.get('.git/packed-refs');
    if (!m) return (this.#packed = { ino: 0, refs: new Map(), peeled: new Map() });
    if (this.#packed?.ino === m.ino) return this.#packed;
    const refs = new Map<string, string>();
    const peeled = new Map<string, string>();
    let last = '';
    for (const line of dec.decode(this.files.read('.git/packed-refs')).split('\n')) {
      if (line.startsWith('^')) peeled.set(last, line.slice(1).trim());
      else if (/^[0-9a-f]{40} /.test(line)) {
        last = line.slice(41).trim();
        refs.set(last, line.slice(0, 40));
      }
    }
    return (this.#packed = { ino: m.ino, refs, peeled });
  }
}

function parentDir(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
