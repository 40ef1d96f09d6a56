/**
 * Unified diffs from a list of changes, hunks by jsdiff (`diff` package). Two styles:
 * - 'git':  what `git diff` prints (`diff --git`, mode and index lines, ---/+++, hunks), used by
 *           the diff tools;
 * - 'show': the reference's git_show layout: `\n--- a/<path>\n+++ b/<path>\n` then hunks.
 * Hunk headers follow git: a count of 1 is omitted, an empty side is `-0,0`. Files with a NUL
 * byte in their first 8 KB are binary and only named. Additions are additions, also for root
 * commits (the reference prints those reversed; we do not copy that bug).
 */
import { structuredPatch } from 'diff';
import type { Repo } from './repo';
import type { Change } from './tree';

interface PatchOptions {
  context: number;
  style: 'git' | 'show';
  /** Loads the new side from somewhere other than the object store (the working tree). */
  loadNew?: (path: string) => Uint8Array;
}

interface FileChange {
  path: string;
  status: 'added' | 'deleted' | 'modified' | 'mode changed';
}

const dec = new TextDecoder();
const MAX_TEXT = 4 * 1024 * 1024;

export function statusOf(c: Change): FileChange['status'] {
  if (!c.old) return 'added';
  if (!c.new) return 'deleted';
  return c.old.oid === c.new.oid ? 'mode changed' : 'modified';
}

function isBinary(b: Uint8Array): boolean {
  return b.subarray(0, 8000).includes(0) || b.byteLength > MAX_TEXT;
}

function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

const modeStr = (m: number) => m.toString(8).padStart(6, '0');

export async function renderPatch(repo: Repo, changes: Change[], opts: PatchOptions): Promise<{ text: string; files: FileChange[] }> {
  const parts: string[] = [];
  const files: FileChange[] = [];
  for (const c of changes) {
    if (c.old && c.new && c.old.oid === c.new.oid && c.old.mode === c.new.mode) continue;
    files.push({ path: c.path, status: statusOf(c) });
    const [a, b] = await Promise.all([
      c.old ? repo.readBlob(c.old.oid) : Promise.resolve(new Uint8Array()),
      c.new ? (opts.loadNew ? Promise.resolve(opts.loadNew(c.path)) : repo.readBlob(c.new.oid)) : Promise.resolve(new Uint8Array()),
    ]);
    const from = c.old ? `a/${c.path}` : '/dev/null';
    const to = c.new ? `b/${c.path}` : '/dev/null';
    let head = '';
    if (opts.style === 'git') {
      head = `diff --git a/${c.path} b/${c.path}\n`;
      if (!c.old) head += `new file mode ${modeStr(c.new!.mode)}\n`;
      else if (!c.new) head += `deleted file mode ${modeStr(c.old.mode)}\n`;
      else if (c.old.mode !== c.new.mode) head += `old mode ${modeStr(c.old.mode)}\nnew mode ${modeStr(c.new.mode)}\n`;
      const sameMode = c.old && c.new && c.old.mode === c.new.mode ? ` ${modeStr(c.old.mode)}` : '';
      if (!c.old || !c.new || c.old.oid !== c.new.oid)
        head += `index ${(c.old?.oid ?? '0'.repeat(40)).slice(0, 7)}..${(c.new?.oid ?? '0'.repeat(40)).slice(0, 7)}${sameMode}\n`;
    } else head = '\n';
    if (c.old && c.new && c.old.oid === c.new.oid) {
      parts.push(head);
      continue;
    }
    if (isBinary(a) || isBinary(b)) {
      parts.push(`${head}Binary files ${from} and ${to} differ\n`);
      continue;
    }
    const p = structuredPatch(from, to, dec.decode(a), dec.decode(b), '', '', { context: opts.context });
    let body = `${head}--- ${from}\n+++ ${to}\n`;
    for (const h of p.hunks) {
      body += `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`;
      for (const line of h.lines) body += `${line}\n`;
    }
    parts.push(body);
  }
  return { text: parts.join(''), files };
}
