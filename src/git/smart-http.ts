/**
 * git's smart HTTP protocol, version 0/1 (gitprotocol-http(5), gitprotocol-pack(5)), served by
 * the Repo DO so native `git clone`, `fetch` and `push` work against edgehub repositories.
 *
 * - Ref advertisement: HEAD (with `symref=`), branches and tags (annotated tags peeled).
 *   A client asking for protocol v2 gets v0, which git accepts.
 * - upload-pack: no multi_ack (one ACK for the first common commit, else NAK), no shallow;
 *   side-band(-64k) when asked (isomorphic-git always asks); the objects are chosen by pack-walk.ts
 *   and the pack is streamed (pack-writer.ts).
 * - receive-pack: `report-status`, `side-band-64k`, `delete-refs`, `ofs-delta`; ref names follow
 *   check-ref-format, protected branches are neither deleted nor rewound (protect.ts), the pack is
 *   checked whole, then exploded into loose objects (pack-reader.ts), then every ref is moved with
 *   compare-and-set against the old value the client sent. Pushing the checked-out branch updates the working tree and index
 *   (git's receive.denyCurrentBranch=updateInstead) and is refused while the tree is dirty.
 */
import git from 'isomorphic-git';
import { SERVER_VERSION } from '../mcp/server-info';
import { concatBytes } from '../utils/bytes';
import { GitLimitError, repoFull } from './limits';
import { explodePack } from './pack-reader';
import { collectObjects } from './pack-walk';
import { streamPack } from './pack-writer';
import { tagTarget } from './parse';
import { FLUSH, pkt, readPkts, sideband } from './pktline';
import { refUpdateRefusal } from './protect';
import type { Repo } from './repo';
import { computeStatus } from './status';
import { ZERO_OID } from './storage/refs';
import { pushableRef } from './validate';

export type Service = 'git-upload-pack' | 'git-receive-pack';

async function advertisedRefs(repo: Repo): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const head = repo.refs.resolve('HEAD');
  if (head) out.push(['HEAD', head]);
  for (const [ref, oid] of repo.refs.list('refs/heads/')) out.push([ref, oid]);
  for (const [ref, oid] of repo.refs.list('refs/tags/')) {
    out.push([ref, oid]);
    let peeled = repo.refs.peeled(ref);
    if (!peeled) {
      const raw = await repo.readRaw(oid);
      if (raw.type === 'tag') peeled = tagTarget(raw.content);
    }
    if (peeled && peeled !== oid) out.push([`${ref}^{}`, peeled]);
  }
  return out;
}

export async function advertise(repo: Repo, service: Service): Promise<Uint8Array> {
  const symref = repo.refs.target('HEAD');
  const caps = [
    ...(service === 'git-upload-pack'
      ? ['side-band-64k', 'side-band', 'no-progress']
      : ['report-status', 'side-band-64k', 'delete-refs', 'ofs-delta', 'quiet']),
    ...(symref ? [`symref=HEAD:${symref}`] : []),
    `agent=edgehub/${SERVER_VERSION}`,
  ].join(' ');
  const refs = await advertisedRefs(repo);
  const lines = refs.length
    ? refs.map(([ref, oid], i) => pkt(i === 0 ? `${oid} ${ref}\0${caps}\n` : `${oid} ${ref}\n`))
    : [pkt(`${ZERO_OID} capabilities^{}\0${caps}\n`)];
  return concatBytes([pkt(`# service=${service}\n`), FLUSH, ...lines, FLUSH]);
}

export class ProtocolError extends Error {}

export async function uploadPack(repo: Repo, body: Uint8Array): Promise<ReadableStream<Uint8Array>> {
  let lines: (string | null)[];
  try {
    lines = readPkts(body, (l) => l === 'done').lines;
  } catch {
    throw new ProtocolError('malformed pkt-line in the upload-pack request');
  }
  const wants: string[] = [];
  const haves: string[] = [];
  let done = false;
  let caps: string[] = [];
  for (const line of lines) {
    if (line === null) continue;
    const [cmd, oid, ...rest] = line.split(/[ \0]/);
    if (cmd === 'want' && !wants.length) caps = rest;
    if (cmd === 'want') wants.push(oid);
    else if (cmd === 'have') haves.push(oid);
    else if (cmd === 'done') done = true;
  }
  for (const w of wants) if (!/^[0-9a-f]{40}$/.test(w) || !repo.objects.has(w)) throw new ProtocolError(`not our ref ${w}`);
  if (!wants.length) throw new ProtocolError('no want lines');
  const common = haves.filter((h) => /^[0-9a-f]{40}$/.test(h) && repo.objects.has(h));
  const ack = common.length ? pkt(`ACK ${common[0]}\n`) : pkt('NAK\n');
  if (!done) return new Blob([ack]).stream();
  const oids = await collectObjects(repo, wants, common);
  const band = caps.includes('side-band-64k') ? 65515 : caps.includes('side-band') ? 999 : 0;
  const pack = streamPack(repo, oids);
  const framed = band
    ? pack.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, c) => sideband(chunk, 1, band).forEach((p) => c.enqueue(p)),
          flush: (c) => c.enqueue(FLUSH),
        }),
      )
    : pack;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  void writer
    .write(ack)
    .then(() => {
      writer.releaseLock();
      return framed.pipeTo(writable);
    })
    .catch(() => undefined); // a failed pipe errors `readable`: the client sees a truncated pack
  return readable;
}

interface Command {
  old: string;
  new: string;
  ref: string;
}

/** What receive-pack enforces besides the protocol: the repository's size budget. */
interface ReceiveLimits {
  /** MAX_REPO_BYTES: stored object bytes this repository may reach. */
  maxRepoBytes: number;
}

/** The command list and capabilities at the start of a receive-pack body; throws ProtocolError. */
function readCommands(body: Uint8Array): { commands: Command[]; caps: string[]; end: number } {
  let read: ReturnType<typeof readPkts>;
  try {
    read = readPkts(body, (l) => l === null);
  } catch {
    throw new ProtocolError('malformed pkt-line in the receive-pack request');
  }
  const commands: Command[] = [];
  let caps: string[] = [];
  for (const line of read.lines) {
    if (line === null) break;
    const [cmd, capText] = line.split('\0');
    if (capText !== undefined) caps = capText.trim().split(' ');
    // `<old> <new> <ref>`: the ref is the rest of the line (a space in it is a bad name, not a split).
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (.+)$/s.exec(cmd);
    if (!m) throw new ProtocolError(`bad command: ${cmd.slice(0, 200)}`);
    commands.push({ old: m[1], new: m[2], ref: m[3] });
  }
  if (read.lines[read.lines.length - 1] !== null) throw new ProtocolError('the receive-pack command list is not terminated by a flush packet');
  return { commands, caps, end: read.end };
}

/** report-status (side-band wrapped when asked): `unpack <status>`, then one line per ref. */
function report(caps: string[], unpack: string, results: string[]): Uint8Array {
  if (!caps.includes('report-status')) return caps.includes('side-band-64k') ? FLUSH : new Uint8Array();
  const body = concatBytes([pkt(`unpack ${unpack.replace(/\n/g, ' ')}\n`), ...results.map((r) => pkt(`${r}\n`)), FLUSH]);
  return caps.includes('side-band-64k') ? concatBytes([...sideband(body), FLUSH]) : body;
}

/**
 * A git-protocol refusal of a whole push, from the start of its body only (the route refuses before
 * the pack is read). With side-band-64k, `message` goes first on band 2, which native git prints
 * line by line as `remote: …` (band 3 would make git 2.x drop the report-status after it and print
 * "the remote end hung up unexpectedly" twice instead); then report-status: `unpack <short>` ("error: remote unpack
 * failed: …") and `ng <ref> <short>` per command ("! [remote rejected] main -> main (…)"). Without
 * side-band, `message` is the unpack status (one line). Null when the body does not even start
 * with a command list (the caller answers with an HTTP status).
 */
export function refuseReceive(head: Uint8Array, refusal: { message: string; short: string }): Uint8Array | null {
  let parsed: ReturnType<typeof readCommands>;
  try {
    parsed = readCommands(head);
  } catch {
    return null;
  }
  if (!parsed.commands.length) return null;
  const banded = parsed.caps.includes('side-band-64k');
  const shown = banded ? sideband(new TextEncoder().encode(`${refusal.message}\n`), 2) : [];
  const status = report(
    parsed.caps,
    banded ? refusal.short : refusal.message,
    parsed.commands.map((c) => `ng ${c.ref} ${refusal.short}`),
  );
  return concatBytes([...shown, status]);
}

/**
 * receive-pack: commands are checked first (ref names, protected-branch deletions), so a push
 * whose every command is refused stores nothing; then the pack is checked against the size budget
 * and exploded (checked whole before any object is written, pack-reader.ts); then each ref moves.
 * `request.body` is taken and dropped once the pack is stored: moving the checked-out branch
 * updates the working tree, which must not run with the whole push still held.
 */
export async function receivePack(repo: Repo, request: { body?: Uint8Array }, limits: ReceiveLimits): Promise<Uint8Array> {
  const { commands, caps, verdicts, unpack } = await unpackPush(repo, request, limits);
  const results: string[] = [];
  for (const c of commands) results.push(verdicts.get(c) ?? (unpack === 'ok' ? await apply(repo, c) : `ng ${c.ref} unpacker error`));
  return report(caps, unpack, results);
}

/** The commands of a push, their early verdicts, and the pack stored (`unpack` 'ok') or refused. */
async function unpackPush(repo: Repo, request: { body?: Uint8Array }, limits: ReceiveLimits) {
  const body = request.body ?? new Uint8Array();
  request.body = undefined;
  const { commands, caps, end } = readCommands(body);
  const verdicts = new Map<Command, string>();
  for (const c of commands) {
    const early = await precheck(repo, c);
    if (early) verdicts.set(c, early);
  }
  let unpack = 'ok';
  const pack = body.subarray(end);
  if (pack.byteLength > 0 && verdicts.size < commands.length) {
    const used = repo.objects.storedBytes();
    if (used + pack.byteLength > limits.maxRepoBytes) unpack = repoFull(repo.ident.repo, used, limits.maxRepoBytes);
    else {
      try {
        await explodePack(repo, pack, { maxTotalBytes: limits.maxRepoBytes });
      } catch (e) {
        if (!(e instanceof GitLimitError)) throw e;
        unpack = e.message;
      }
    }
  }
  return { commands, caps, verdicts, unpack };
}

/** Refusals that need no objects from the pack: bad names, other namespaces, protected deletions. */
async function precheck(repo: Repo, c: Command): Promise<string | null> {
  const kind = pushableRef(c.ref);
  if (kind === 'invalid') return `ng ${c.ref} invalid ref name`;
  if (kind === 'namespace') return `ng ${c.ref} only refs/heads/* and refs/tags/* can be pushed`;
  if (c.new === ZERO_OID) {
    const why = await refUpdateRefusal(repo, c.ref, repo.refs.read(c.ref), null);
    if (why) return `ng ${c.ref} ${why}`;
  }
  return null;
}

async function apply(repo: Repo, c: Command): Promise<string> {
  const deleting = c.new === ZERO_OID;
  if (!deleting && !repo.objects.has(c.new)) return `ng ${c.ref} missing object ${c.new}`;
  const current = repo.refs.target('HEAD') === c.ref;
  if (current && deleting) return `ng ${c.ref} deletion of the current branch prohibited`;
  const why = await refUpdateRefusal(repo, c.ref, repo.refs.read(c.ref), deleting ? null : c.new);
  if (why) return `ng ${c.ref} ${why}`;
  if (current && repo.refs.resolve(c.ref)) {
    const s = await computeStatus(repo);
    if (s.staged.length || s.unstaged.length || s.conflicts.length) return `ng ${c.ref} the working tree of the checked-out branch has uncommitted changes`;
  }
  if (!repo.refs.cas(c.ref, c.old === ZERO_OID ? null : c.old, deleting ? null : c.new)) return `ng ${c.ref} fetch first (the ref moved)`;
  if (current) {
    await git.checkout({ ...repo.opts, ref: c.ref.slice('refs/heads/'.length), force: true });
    repo.resetCache(); // isomorphic-git's parsed index: a second copy of ours, ~15 MB at 20,000 files
  }
  return `ok ${c.ref}`;
}
