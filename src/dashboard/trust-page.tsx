/**
 * The dashboard's Trust page: quarantined tool definitions (reason, findings, unified diff against
 * the approved definition; approve pins exactly the hash shown) and calls parked by
 * `approval: "admin"` rules (caller, arguments, digest; approve sends the digest shown, so an
 * approval never covers other arguments). Decisions go through the admin API (audited).
 */

import type { ParkedCall, PendingTool } from '../policy/api';
import { Action, Badge, type Chrome, Layout } from './layout';
import { ago, iso } from './model';
import { BASE } from './security';

/** What the admin API returns (`GET /pending`, `GET /approvals`): the policy layer's own types. */
export type ApiPendingTool = PendingTool;
export type ApiParkedCall = ParkedCall;

export function TrustPage(p: Chrome & { csrf: string; pending: ApiPendingTool[]; calls: ApiParkedCall[]; now: number }) {
  const waiting = p.calls.filter((c) => c.status === 'pending');
  const decided = p.calls.filter((c) => c.status !== 'pending').slice(0, 20);
  return (
    <Layout {...p} tab="trust">
      <h1>Tool definitions waiting for review</h1>
      <p class="muted">Changed since approval, new on an approved server, or flagged by screening: left out of every list and refused until approved.</p>
      {p.pending.length === 0 ? (
        <p class="muted" data-testid="no-pending">
          No quarantined tools.
        </p>
      ) : (
        p.pending.map((t) => (
          <section class="card pending-tool" data-tool={`${t.server}/${t.tool}`}>
            <h2>
              <code>{t.server}</code> / <code>{t.tool}</code> <Badge value={t.kind} /> {t.status === 'rejected' && <Badge value="rejected" />}
            </h2>
            <p>{t.reason}</p>
            {t.flags.length > 0 && (
              <ul class="err">
                {t.flags.map((f) => (
                  <li>{f}</li>
                ))}
              </ul>
            )}
            <pre class="diff">{t.diff}</pre>
            <p class="muted small mono">
              sha-256 {t.hash} · seen {ago(t.seenAt, p.now)}
            </p>
            <Action
              action={`${BASE}/trust/tools/${encodeURIComponent(t.server)}/approve`}
              csrf={p.csrf}
              label="Approve"
              fields={{ tool: t.tool, hash: t.hash }}
              confirm={`Pin this definition of ${t.tool}?`}
            />
            <Action action={`${BASE}/trust/tools/${encodeURIComponent(t.server)}/reject`} csrf={p.csrf} label="Reject" fields={{ tool: t.tool }} />
          </section>
        ))
      )}
      <h1>Calls waiting for an admin</h1>
      {waiting.length === 0 ? (
        <p class="muted" data-testid="no-calls">
          No parked calls.
        </p>
      ) : (
        <table id="parked">
          <thead>
            <tr>
              <th>Tool</th>
              <th>Caller</th>
              <th>Arguments</th>
              <th>Expires</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {waiting.map((c) => (
              <tr data-call={c.id}>
                <td>
                  <code>{c.tool}</code>
                  <div class="muted small">rule {c.rule}</div>
                </td>
                <td>
                  <code>{c.sub}</code>
                </td>
                <td>
                  <pre class="args">{JSON.stringify(c.args, null, 2)}</pre>
                  <div class="muted small mono">sha-256 {c.digest}</div>
                </td>
                <td>
                  <time datetime={iso(c.expiresAt)}>{iso(c.expiresAt)}</time>
                </td>
                <td>
                  <Action action={`${BASE}/trust/calls/${c.id}/approve`} csrf={p.csrf} label="Approve" fields={{ digest: c.digest }} />
                  <Action action={`${BASE}/trust/calls/${c.id}/reject`} csrf={p.csrf} label="Reject" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {decided.length > 0 && (
        <>
          <h2>Recent decisions</h2>
          <table id="decided">
            <tbody>
              {decided.map((c) => (
                <tr>
                  <td>
                    <code>{c.tool}</code>
                  </td>
                  <td>
                    <code>{c.sub}</code>
                  </td>
                  <td>
                    <Badge value={c.status} />
                  </td>
                  <td>{c.decidedBy ?? ''}</td>
                  <td>{ago(c.createdAt, p.now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Layout>
  );
}
