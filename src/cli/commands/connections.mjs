/**
 * `edgehub connections list|connect|revoke` over /connections: the caller's own sign-ins at
 * OAuth-protected upstreams (README "Upstream sign-in"). `connect` prints a single-use link to
 * open in a browser; `revoke` revokes the grant at the upstream's authorization server and forgets
 * it. Admins also see which upstreams still need a grant. No command ever prints a token (the API
 * never returns one).
 */
import { note, printJson, println, printTable } from '../lib/output.mjs';

const enc = encodeURIComponent;
const when = (/** @type {number | undefined} */ t) => (t ? new Date(t).toISOString() : '');

/** @type {import('../lib/args.mjs').Command} */
const list = {
  summary: 'list your connections to OAuth upstreams (admins: and which upstreams need a grant)',
  maxArgs: 0,
  async run(ctx) {
    const r = await ctx.client().request('GET', '/connections');
    if (ctx.out.json) return printJson(ctx.out, r.json);
    const rows = r.json.connections.map((/** @type {any} */ c) => ({
      server: c.server,
      mode: c.mode,
      state: c.connected ? 'connected' : 'needs authorization',
      since: when(c.grant?.createdAt),
      issuer: c.grant?.issuer ?? '',
    }));
    printTable(
      ctx.out,
      [
        ['server', 'SERVER'],
        ['mode', 'MODE'],
        ['state', 'STATE'],
        ['since', 'SINCE'],
        ['issuer', 'AUTHORIZATION SERVER'],
      ],
      rows,
      'no OAuth upstreams in this tenant',
    );
    const needs = (r.json.upstreams ?? []).filter((/** @type {any} */ u) => u.needs);
    for (const u of needs) note(ctx.out, `${u.server} needs a grant from ${u.needs}`);
  },
};

/** @type {import('../lib/args.mjs').Command} */
const connect = {
  summary: 'print a single-use link that signs you in to an upstream (connect or reconnect)',
  args: 'SERVER',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().request('POST', `/connections/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(ctx.out, r.json.url);
    note(ctx.out, 'open it in a browser within 10 minutes; it works once');
  },
};

/** @type {import('../lib/args.mjs').Command} */
const revoke = {
  summary: 'revoke your grant for an upstream at its authorization server and forget it',
  args: 'SERVER',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const r = await ctx.client().request('DELETE', `/connections/${enc(ctx.args[0])}`);
    if (ctx.out.json) return printJson(ctx.out, r.json);
    println(
      ctx.out,
      `revoked ${ctx.args[0]}${r.json.revokedAtServer ? '' : ' (forgotten here; its authorization server offers no revocation or did not answer)'}`,
    );
  },
};

export const connections = { summary: 'your sign-ins at OAuth-protected upstreams', commands: { list, connect, revoke } };
