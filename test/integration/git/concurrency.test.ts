// Concurrency: 5 MCP sessions × 20 concurrent commits to one repository, each commit being
// write_file + add + commit of its own file. The Repo DO serialises writers, so history must
// hold exactly 100 new commits, every one once, on one linear chain, with every file in HEAD.

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { fixture, ok, session, tool } from '../../helpers/git';

const SESSIONS = 5;
const PER_SESSION = 20;

describe('concurrent commits', () => {
  it('5 sessions × 20 concurrent commits → 100 commits, none lost', async () => {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => session()));
    const repo = await fixture(sessions[0], 'conc');
    const results = await Promise.all(
      sessions.flatMap((sid, s) =>
        Array.from({ length: PER_SESSION }, async (_, i) => {
          const path = `s${s}/file-${i}.txt`;
          await ok(sid, 'git_write_file', { repo_path: repo, path, content: `session ${s} commit ${i}\n` });
          await ok(sid, 'git_add', { repo_path: repo, files: [path] });
          const t = await ok(sid, 'git_commit', { repo_path: repo, message: `s${s}-c${i}` });
          return /hash ([0-9a-f]{40})/.exec(t)![1];
        }),
      ),
    );
    expect(new Set(results).size).toBe(SESSIONS * PER_SESSION);

    const log = (await tool(sessions[0], 'git_log', { repo_path: repo, max_count: 1000 })).structuredContent.commits;
    expect(log).toHaveLength(SESSIONS * PER_SESSION + 1);
    const messages = log.map((c: any) => c.message);
    for (let s = 0; s < SESSIONS; s++) for (let i = 0; i < PER_SESSION; i++) expect(messages.filter((m: string) => m === `s${s}-c${i}`)).toHaveLength(1);
    // One linear chain: each commit's only parent is the next (older) entry.
    for (let k = 0; k < log.length - 1; k++) expect(log[k].parents).toEqual([log[k + 1].hash]);
    expect(new Set(log.map((c: any) => c.hash))).toEqual(new Set([...results, log[log.length - 1].hash]));

    const files = (await tool(sessions[0], 'git_list_files', { repo_path: repo, revision: 'HEAD' })).structuredContent.files;
    expect(files).toHaveLength(SESSIONS * PER_SESSION + 1);
    expect((await tool(sessions[0], 'git_status', { repo_path: repo })).structuredContent.clean).toBe(true);

    // Write-behind: after the alarm every object the repository knows is in R2.
    const stub = env.REPO.get(env.REPO.idFromName(`default:${repo}`));
    await runDurableObjectAlarm(stub);
    const oids = await runInDurableObject(stub, (_o, state) => {
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM objects WHERE pending = 1`).one().n).toBe(0);
      return state.storage.sql
        .exec<{ oid: string }>(`SELECT oid FROM objects`)
        .toArray()
        .map((r) => r.oid);
    });
    // Every commit and every file's blob is among them (trees are shared between commits whose
    // adds interleaved, so their number varies).
    for (const c of log) expect(oids).toContain(c.hash);
    expect(oids.length).toBeGreaterThanOrEqual(2 * log.length + 1);
    const keys = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await env.GIT_OBJECTS.list({ prefix: `default/${repo}/objects/`, cursor });
      for (const o of page.objects) keys.add(o.key);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    for (const oid of oids) expect(keys.has(`default/${repo}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`)).toBe(true);
    // fsck-style: every R2 object is a zlib-deflated loose object whose SHA-1 is its name.
    for (const key of keys) {
      const obj = await env.GIT_OBJECTS.get(key);
      const raw = new Uint8Array(await new Response(obj!.body.pipeThrough(new DecompressionStream('deflate'))).arrayBuffer());
      const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-1', raw))].map((b) => b.toString(16).padStart(2, '0')).join('');
      expect(key.endsWith(`${sha.slice(0, 2)}/${sha.slice(2)}`)).toBe(true);
      expect(new TextDecoder().decode(raw.subarray(0, 12))).toMatch(/^(blob|tree|commit|tag) \d/);
    }
  });
});
