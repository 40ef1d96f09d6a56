/**
 * Remote tools: clone, fetch, pull, push, remote. Transport is isomorphic-git's smart-HTTP
 * client over `fetch`. Remotes must be https (plain http and private/loopback hosts only when
 * ALLOW_PRIVATE_UPSTREAMS is on, i.e. local development). A token is used for this call only:
 * sent as HTTP basic auth, never written to the repository config, and scrubbed from every
 * message.
 */
import git from 'isomorphic-git';
import { checkUrl, SsrfError } from '../../net/ssrf';
import { GitToolError } from '../errors';
import { guardedGitHttp } from '../http-client';
import { explodePacks } from '../packs';
import { refName } from '../validate';
import { commitTools } from './commit';
import type { Handlers, ToolContext } from './types';

/** Remote URLs pass the gateway's SSRF guard (every private/loopback/metadata form, IPv6 included). */
function checkRemoteUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GitToolError(`Invalid remote URL '${raw}': expected https://host/path`);
  }
  if (url.username || url.password) throw new GitToolError('Invalid remote URL: do not put credentials in the URL; pass them as token');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate))
    throw new GitToolError(`Invalid remote URL '${raw}': only https:// remotes are supported`);
  try {
    return checkUrl(raw, allowPrivate).toString();
  } catch (e) {
    throw new GitToolError(`Invalid remote URL '${raw}': ${e instanceof SsrfError ? 'private, loopback and metadata hosts are refused' : String(e)}`);
  }
}

function auth(token?: string) {
  if (!token) return {};
  return { onAuth: () => ({ username: 'x-access-token', password: token }), onAuthFailure: () => ({ cancel: true }) };
}

/** Runs a transfer, turning failures into messages that never contain the token. */
async function transfer<T>(token: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new GitToolError(`Remote operation failed: ${token ? msg.split(token).join('***') : msg}`);
  }
}

async function remoteUrlOf(ctx: ToolContext, remote: string): Promise<string> {
  refName('remote', remote);
  const url = (await git.getConfig({ ...ctx.repo.opts, path: `remote.${remote}.url` })) as string | undefined;
  if (!url) throw new GitToolError(`Unknown remote: '${remote}' (add it with git_remote)`);
  return checkRemoteUrl(url, ctx.allowPrivate);
}

export const remoteTools: Handlers<'clone' | 'fetch' | 'pull' | 'push' | 'remote'> = {
  async clone(ctx, { url, token, branch, depth }) {
    const { repo, name, bucket } = ctx;
    const checked = checkRemoteUrl(url, ctx.allowPrivate);
    if (branch !== undefined) refName('branch', branch);
    if (repo.exists()) throw new GitToolError(`Repository '${name}' already exists; clone into a new name or use git_fetch`);
    await transfer(token, () =>
      git.clone({ ...repo.opts, http: guardedGitHttp(ctx.allowPrivate), url: checked, ref: branch, depth, singleBranch: depth !== undefined, ...auth(token) }),
    );
    await explodePacks(repo);
    await bucket.put(
      `${encodeURIComponent(repo.ident.tenant)}/${name}/repo.json`,
      JSON.stringify({ name, createdAt: new Date().toISOString(), clonedFrom: checked }),
    );
    const current = repo.refs.target('HEAD')?.replace(/^refs\/heads\//, '') ?? null;
    const head = repo.refs.resolve('HEAD');
    return {
      text: `Cloned ${checked} into '${name}'${current ? ` (branch '${current}' at ${head?.slice(0, 7)})` : ''}`,
      data: { repo: name, branch: current, head },
    };
  },

  async fetch(ctx, { remote, ref, token, depth }) {
    if (ref !== undefined) refName('ref', ref.replace(/^refs\/(heads|tags)\//, ''));
    const url = await remoteUrlOf(ctx, remote);
    const r = await transfer(token, () =>
      git.fetch({
        ...ctx.repo.opts,
        http: guardedGitHttp(ctx.allowPrivate),
        url,
        remote,
        ref,
        depth,
        tags: true,
        singleBranch: ref !== undefined,
        ...auth(token),
      }),
    );
    const objects = await explodePacks(ctx.repo);
    const text = `Fetched from ${remote}: ${objects} new object(s)${r.fetchHead ? `, FETCH_HEAD ${r.fetchHead.slice(0, 7)}` : ''}`;
    return { text, data: { remote, head: r.fetchHead ?? null, fetched: r.fetchHeadDescription ?? null } };
  },

  async pull(ctx, { remote, branch, token }) {
    if (branch !== undefined) refName('branch', branch);
    const current = ctx.repo.refs.target('HEAD')?.replace(/^refs\/heads\//, '');
    const b = branch ?? current;
    if (!b) throw new GitToolError('Cannot pull: HEAD is detached; name the branch to pull');
    await remoteTools.fetch(ctx, { repo_path: ctx.name, remote, ref: b, token });
    const merged = await commitTools.merge(ctx, {
      repo_path: ctx.name,
      branch: `refs/remotes/${remote}/${b}`,
      message: `Merge branch '${b}' of ${remote}`,
      fast_forward_only: false,
      no_ff: false,
    });
    return { text: merged.text, data: { result: merged.data.result, commit: merged.data.commit } };
  },

  async push(ctx, { remote, branch, token, force }) {
    if (branch !== undefined) refName('branch', branch);
    const url = await remoteUrlOf(ctx, remote);
    const b = branch ?? ctx.repo.refs.target('HEAD')?.replace(/^refs\/heads\//, '');
    if (!b) throw new GitToolError('Cannot push: HEAD is detached; name the branch to push');
    const r = await transfer(token, () => git.push({ ...ctx.repo.opts, http: guardedGitHttp(ctx.allowPrivate), url, remote, ref: b, force, ...auth(token) }));
    if (!r.ok)
      throw new GitToolError(
        `Push rejected by ${remote}: ${
          r.error ??
          Object.values(r.refs ?? {})
            .map((x) => x.error)
            .filter(Boolean)
            .join('; ')
        }`,
      );
    return { text: `Pushed '${b}' to ${remote}${force ? ' (forced)' : ''}`, data: { remote, ref: `refs/heads/${b}`, ok: true } };
  },

  async remote(ctx, { action, name, url }) {
    const { repo } = ctx;
    if (action !== 'list') {
      if (!name) throw new GitToolError(`Invalid arguments for remote: name is required to ${action} a remote`);
      refName('name', name);
      if (action === 'add') {
        if (!url) throw new GitToolError('Invalid arguments for remote: url is required to add a remote');
        await git.addRemote({ ...repo.opts, remote: name, url: checkRemoteUrl(url, ctx.allowPrivate) });
      } else {
        if (!(await git.listRemotes({ ...repo.opts })).some((r) => r.remote === name)) throw new GitToolError(`Unknown remote: '${name}'`);
        await git.deleteRemote({ ...repo.opts, remote: name });
      }
    }
    const remotes = (await git.listRemotes({ ...repo.opts })).map((r) => ({ name: r.remote, url: r.url }));
    const text = action === 'list' ? remotes.map((r) => `${r.name}\t${r.url}`).join('\n') : `${action === 'add' ? 'Added' : 'Removed'} remote '${name}'`;
    return { text, data: { remotes } };
  },
};
