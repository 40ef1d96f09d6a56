/**
 * `edgehub status`: is the instance up (GET /health, no token needed), which config version it
 * serves, how many servers in which state, and the live MCP sessions.
 */
import { displayUrl, printJson, println, printPairs, printTable } from '../lib/output.mjs';

/** @type {import('../lib/args.mjs').Command} */
export const status = {
  summary: 'health, config version, server counts and live sessions',
  maxArgs: 0,
  async run(ctx) {
    const api = ctx.client();
    const health = (await api.request('GET', '/health')).json;
    const [srv, ses] = await Promise.all([api.admin('GET', '/servers'), api.admin('GET', '/sessions')]);
    const servers = /** @type {any[]} */ (srv.json.servers);
    const sessions = /** @type {any[]} */ (ses.json.sessions);
    // As the edge's connectorOf: stdio entries, and http(s) ones naming a connector.
    const served = (/** @type {any} */ s) => s.kind === 'stdio' || (/^https?:\/\//.test(s.uri ?? '') && !!s.transport?.connector);
    const enabled = servers.filter((s) => s.enabled !== false && !served(s));
    const disabled = servers.filter((s) => s.enabled === false);
    const viaConnector = servers.filter((s) => s.enabled !== false && served(s));
    if (ctx.out.json)
      return printJson(ctx.out, {
        url: displayUrl(api.url),
        health,
        version: srv.json.version,
        servers: {
          total: servers.length,
          enabled: enabled.map((s) => s.name),
          disabled: disabled.map((s) => s.name),
          viaConnector: viaConnector.map((s) => s.name),
        },
        sessions,
      });
    printPairs(ctx.out, [
      ['edgehub', `${displayUrl(api.url)}  ${health?.status ?? '?'}  (version ${health?.version ?? '?'})`],
      ['config', `version ${srv.json.version}`],
      [
        'servers',
        `${servers.length} total: ${enabled.length} enabled, ${disabled.length} disabled${viaConnector.length ? `, ${viaConnector.length} via a connector (${viaConnector.map((s) => s.name).join(', ')})` : ''}`,
      ],
      ['sessions', String(sessions.length)],
    ]);
    if (sessions.length) {
      println(ctx.out);
      const ago = (/** @type {number} */ t) => `${Math.max(0, Math.round((Date.now() - t) / 1000))} s ago`;
      printTable(
        ctx.out,
        [
          ['sessionId', 'SESSION'],
          ['sub', 'SUB'],
          ['lane', 'LANE'],
          ['created', 'CREATED'],
          ['seen', 'LAST SEEN'],
        ],
        sessions.map((s) => ({ ...s, created: ago(s.createdAt), seen: ago(s.lastSeenAt) })),
      );
    }
  },
};
