/**
 * git's smart HTTP protocol, version 0/1 (gitprotocol-http(5), gitprotocol-pack(5)), served by
 * the Repo DO so native `git clone`, `fetch` and `push` work against edgehub repositories.
 *
 * - Ref advertisement: HEAD (with `symref=`), branches and tags (annotated tags peeled).
 *   A client asking for protocol v2 gets v0, which git accepts.
 * - upload-pack: no multi_ack (one ACK for the first common commit, else NAK), no shallow;
 *   side-band(-64k) when asked (isomorphic-git always asks); the pack is streamed (pack-writer.ts).
 * - receive-pack: `report-status`, `side-band-64k`, `delete-refs`, `ofs-delta`; the pack is indexed and exploded
 *   into loose objects (packs.ts), then every ref is moved with compare-and-set against the old
 *   value the client sent. Pushing the checked-out branch updates the working tree and index
 *   (git's receive.denyCurrentBranch=updateInstead) and is refused while the tree is dirty.
 */
import git from 'isomorphic-git';
import { SERVER_VERSION } from '../mcp/server-info';
import { explodePack } from './pack-reader';
import { collectObjects, streamPack } from './pack-writer';
import { tagTarget } from './parse';
import { concatBytes } from '../utils/bytes';
import { FLUSH, pkt, readPkts, sideband } from './pktline';
import type { Repo } from './repo';
import { ZERO_OID } from './storage/refs';
import { computeStatus } from './status';

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
    ...(service === 'git-upload-pack' ? ['side-band-64k', 'side-band', 'no-progress'] : ['report-status', 'side-band-64k', 'delete-refs', 'ofs-delta', 'quiet']),
    ...(symref ? [`symref=HEAD:${symref}`] : []),
    `agent=edgehub/${SERVER_VERSION}`,
  ].join(' ');
  const refs = await advertisedRefs(repo);
  const lines = refs.length ? refs.map(([ref, oid], i) => pkt(i === 0 ? `${oid} ${ref}\0${caps}\n` : `${oid} ${ref}\n`)) : [pkt(`${ZERO_OID} capabilities^{}\0${caps}\n`)];
  return concatBytes([pkt(`# service=${service}\n`), FLUSH, ...lines, FLUSH]);
}

export class ProtocolError extends Error {}

export async function uploadPack(repo: Repo, body: Uint8Array): Promise<ReadableStream<Uint8Array>> {
  const { lines } = readPkts(body, (l) => l === 'done');
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

export async function receivePack(repo: Repo, body: Uint8Array): Promise<Uint8Array> {
  const { lines, end } = readPkts(body, (l) => l === null);
  const commands: Command[] = [];
  let caps: string[] = [];
  for (const line of lines) {
    if (line === null) break;
    const [cmd, capText] = line.split('\0');
    if (capText !== undefined) caps = capText.trim().split(' ');
    const [old, next, ref] = cmd.split(' ');
    if (!/^[0-9a-f]{40}$/.test(old) || !/^[0-9a-f]{40}$/.test(next) || !ref) throw new ProtocolError(`bad command: ${cmd}`);
    commands.push({ old, new: next, ref });
  }
  let unpack = 'ok';
  const pack = body.subarray(end);
  if (pack.byteLength > 0) {
    try {
      await explodePack(repo, pack);
    } catch (e) {
      unpack = `unpack failed: ${e instanceof Error ? e.message : String(e)}`.replace(/\n/g, ' ');
    }
  }
  const results: string[] = [];
  for (const c of commands) results.push(unpack === 'ok' ? await apply(repo, c) : `ng ${c.ref} unpacker error`);
  if (!caps.includes('report-status')) return caps.includes('side-band-64k') ? FLUSH : new Uint8Array();
  const report = concatBytes([pkt(`unpack ${unpack}\n`), ...results.map((r) => pkt(`${r}\n`)), FLUSH]);
  return caps.includes('side-band-64k') ? concatBytes([...sideband(report), FLUSH]) : report;
}

async function apply(repo: Repo, c: Command): Promise<string> {
  if (!/^refs\/(heads|tags)\/[^\0\s~^:?*[\\]+$/.test(c.ref) || c.ref.includes('..') || c.ref.endsWith('.lock') || c.ref.endsWith('/')) {
    return `ng ${c.ref} only refs/heads/* and refs/tags/* with valid names can be pushed`;
  }
  const deleting = c.new === ZERO_OID;
  if (!deleting && !repo.objects.has(c.new)) return `ng ${c.ref} missing object ${c.new}`;
  const current = repo.refs.target('HEAD') === c.ref;
  if (current && deleting) return `ng ${c.ref} deletion of the current branch prohibited`;
  if (current && repo.refs.resolve(c.ref)) {
    const s = await computeStatus(repo);
    if (s.staged.length || s.unstaged.length || s.conflicts.length) return `ng ${c.ref} the working tree of the checked-out branch has uncommitted changes`;
  }
  if (!repo.refs.cas(c.ref, c.old === ZERO_OID ? null : c.old, deleting ? null : c.new)) return `ng ${c.ref} fetch first (the ref moved)`;
  if (current) await git.checkout({ ...repo.opts, ref: c.ref.slice('refs/heads/'.length), force: true });
  return `ok ${c.ref}`;
}
