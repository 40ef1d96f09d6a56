/**
 * "Upstream sign-ins": the signed-in person's connections to OAuth-protected upstreams (connect,
 * reconnect, revoke), and for admins which upstreams still need a grant. Rows come from
 * runtime/connections.ts and never carry a token.
 */
import type { ConnectionRow, UpstreamNeed } from '../runtime/connections';
import { Action, Layout } from './layout';
import { BASE, type Flash } from './security';

const when = (t?: number) => (t ? `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '');

export function ConnectionsPage(p: {
  title: string;
  csrf: string;
  flash?: Flash;
  user: { sub: string; tenant: string; devOpen: boolean; oauth: boolean };
  rows: ConnectionRow[];
  upstreams?: UpstreamNeed[];
}) {
  const action = (server: string, what: 'connect' | 'revoke') => `${BASE}/connections/${encodeURIComponent(server)}/${what}`;
  return (
    <Layout title={p.title} tab="connections" csrf={p.csrf} flash={p.flash} user={p.user}>
      <h2>Upstream sign-ins</h2>
      {p.rows.length === 0 ? (
        <p data-testid="no-connections">No server of this tenant uses OAuth sign-in.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Server</th>
              <th>Sign-in</th>
              <th>State</th>
              <th>Since</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr data-testid="connection-row">
                <td>{r.server}</td>
                <td>{r.mode === 'shared' ? 'shared (tenant)' : 'yours'}</td>
                <td>{r.connected ? 'connected' : 'needs authorization'}</td>
                <td>{when(r.grant?.createdAt)}</td>
                <td>
                  <Action action={action(r.server, 'connect')} csrf={p.csrf} label={r.connected ? 'Reconnect' : 'Connect'} />{' '}
                  {r.connected && <Action action={action(r.server, 'revoke')} csrf={p.csrf} label="Revoke" confirm={`Revoke the grant for ${r.server}?`} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.upstreams && (
        <>
          <h3>Grants the tenant's OAuth upstreams need</h3>
          <ul data-testid="upstream-needs">
            {p.upstreams.map((u) => (
              <li>
                <code>{u.server}</code> ({u.mode}): {u.needs ? `needs a grant from ${u.needs}` : 'usable'}
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}
