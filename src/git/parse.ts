/**
 * Parsers for the object formats the hot paths read (gitformat-*): commit, tree, tag. Objects
 * come from our own store, where they were hashed when written, so reads skip isomorphic-git's
 * per-read SHA-1 re-verification and its async inflate: a warm log or tree walk is pure CPU.
 */
import { hex } from '../utils/bytes';

export interface Person {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}

export interface CommitInfo {
  oid: string;
  tree: string;
  parent: string[];
  author: Person;
  committer: Person;
  message: string;
}

export interface TreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

const dec = new TextDecoder();

/** `Name <email> 1700000000 +0100` → isomorphic-git's Person (offset in minutes, sign inverted). */
function parsePerson(line: string): Person {
  const m = /^(.*) <(.*)> (-?\d+) ([+-])(\d{2})(\d{2})$/.exec(line);
  if (!m) return { name: line, email: '', timestamp: 0, timezoneOffset: 0 };
  const minutes = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1], email: m[2], timestamp: Number(m[3]), timezoneOffset: m[4] === '+' ? -minutes || 0 : minutes };
}

export function parseCommit(oid: string, content: Uint8Array): CommitInfo {
  const text = dec.decode(content);
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const info: CommitInfo = { oid, tree: '', parent: [], author: parsePerson(''), committer: parsePerson(''), message };
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue; // continuation of a multi-line header (gpgsig, mergetag)
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') info.tree = value;
    else if (key === 'parent') info.parent.push(value);
    else if (key === 'author') info.author = parsePerson(value);
    else if (key === 'committer') info.committer = parsePerson(value);
  }
  return info;
}

export function parseTree(content: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  let at = 0;
  while (at < content.byteLength) {
    const sp = content.indexOf(0x20, at);
    const nul = content.indexOf(0, sp);
    let mode = dec.decode(content.subarray(at, sp));
    if (mode === '40000') mode = '040000';
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode, path: dec.decode(content.subarray(sp + 1, nul)), oid: hex(content.subarray(nul + 1, nul + 21)), type });
    at = nul + 21;
  }
  return out;
}

/** The object an annotated tag points at. */
export function tagTarget(content: Uint8Array): string {
  const m = /^object ([0-9a-f]{40})/.exec(dec.decode(content.subarray(0, 60)));
  if (!m) throw new Error('malformed tag object');
  return m[1];
}
