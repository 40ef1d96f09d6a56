/**
 * The dashboard's pages as pure views over admin API data (model.ts). Actions are plain POST forms
 * (work without JavaScript); each carries the CSRF token.
 */
import { Action, Badge, type Chrome, Layout } from './layout';
import { type ApiAudit, type ApiSecret, type ApiSession, ago, detailText, iso, type ServerRow } from './model';
import { BASE } from './security';

const serverPath = (name: string, action: string) => `${BASE}/servers/${encodeURIComponent(name)}/${action}`;

function When(props: { at: number; now: number }) {
  return (
    <time datetime={iso(props.at)} title={iso(props.at)}>
      {ago(props.at, props.now)}
    </time>
  );
}

export function ServersPage(p: Chrome & { csrf: string; rows: ServerRow[]; sessions: number; audit: ApiAudit[]; secrets: ApiSecret[]; now: number }) {
  const up = p.rows.filter((r) => r.state === 'up').length;
  const tools = p.rows.reduce((n, r) => n + (r.enabled && r.tools ? r.tools : 0), 0);
  return (
    <Layout {...p} tab="servers">
      <h1>
        Servers
        <Action action={`${BASE}/check`} csrf={p.csrf} label="Check all" />
      </h1>
      <div class="cards">
        <div class="card">
          <div class="v">{p.rows.length}</div>
          <div class="k">servers configured</div>
        </div>
        <div class="card">
          <div class="v">{up}</div>
          <div class="k">up at last check</div>
        </div>
        <div class="card">
          <div class="v">{tools}</div>
          <div class="k">tools (enabled servers)</div>
        </div>
        <div class="card">
          <div class="v" data-testid="sessions">
            {p.sessions}
          </div>
          <div class="k">live sessions</div>
        </div>
      </div>
      <table id="servers">
        <thead>
          <tr>
            <th>Server</th>
            <th>Prefix</th>
            <th>Kind</th>
            <th>Status</th>
            <th>Breaker</th>
            <th>Latency</th>
            <th>Tools</th>
            <th>Checked</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr data-server={r.name}>
              <td>
                <strong>{r.name}</strong>
                <div class="muted small mono">{r.uri}</div>
              </td>
              <td>
                <code>{r.prefix === '' ? '(none)' : r.prefix}</code>
              </td>
              <td>{r.kind}</td>
              <td data-col="state">
                <Badge value={r.state} />
                {r.error && <div class="err">{r.error}</div>}
              </td>
              <td data-col="breaker">
                {r.breaker ? (
                  <Badge value={r.breaker} />
                ) : r.kind === 'builtin' ? (
                  <span class="muted" title="built-in servers run in edgehub itself: no breaker">
                    n/a
                  </span>
                ) : (
                  <span class="muted" title="no upstream traffic recorded since the Config DO started">
                    —
                  </span>
                )}
              </td>
              <td class="num" data-col="latency">
                {r.latencyMs === null ? <span class="muted">—</span> : `${r.latencyMs} ms`}
              </td>
              <td class="num" data-col="tools">
                {r.tools === null ? <span class="muted">—</span> : r.tools}
              </td>
              <td class="small">{r.checkedAt === null ? <span class="muted">never</span> : <When at={r.checkedAt} now={p.now} />}</td>
              <td>
                <div class="actions">
                  {r.enabled ? (
                    <Action
                      action={serverPath(r.name, 'disable')}
                      csrf={p.csrf}
                      label="Disable"
                      class="danger"
                      confirm={`Disable server '${r.name}'? Its tools disappear for every session.`}
                    />
                  ) : (
                    <Action action={serverPath(r.name, 'enable')} csrf={p.csrf} label="Enable" class="primary" />
                  )}
                  <Action action={serverPath(r.name, 'check')} csrf={p.csrf} label="Check" />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <SecretsTable rows={p.secrets} now={p.now} />
      <h2>
        Recent changes{' '}
        <a class="small" href={`${BASE}/audit`}>
          full audit log
        </a>
      </h2>
      <AuditTable rows={p.audit} now={p.now} />
    </Layout>
  );
}

/** Names and update times only: values are write-only (set them with `edgehub secrets set NAME`). */
export function SecretsTable(p: { rows: ApiSecret[]; now: number }) {
  return (
    <>
      <h2>Secrets</h2>
      <p class="muted small">
        Referenced in upstream headers as <code>{'${NAME}'}</code>. Values are encrypted and never shown; set one with <code>edgehub secrets set NAME</code>{' '}
        (value on stdin).
      </p>
      {p.rows.length === 0 ? (
        <p class="muted">No secrets.</p>
      ) : (
        <table id="secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Updated</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((s) => (
              <tr data-secret={s.name}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td class="small">
                  <When at={s.updatedAt} now={p.now} />
                </td>
                <td>
                  <code>{s.updatedBy}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function AuditTable(p: { rows: ApiAudit[]; now: number }) {
  if (!p.rows.length) return <p class="muted">No audit entries.</p>;
  return (
    <table id="audit">
      <thead>
        <tr>
          <th>#</th>
          <th>When</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Target</th>
          <th>Version</th>
          <th>Result</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {p.rows.map((a) => (
          <tr data-audit-id={String(a.id)}>
            <td class="num muted">{a.id}</td>
            <td class="small">
              <When at={a.at} now={p.now} />
            </td>
            <td>
              <code>{a.actor}</code>
            </td>
            <td>
              <code>{a.action}</code>
            </td>
            <td>{a.target ?? <span class="muted">—</span>}</td>
            <td class="num">{a.versionBefore === a.versionAfter ? `v${a.versionAfter}` : `v${a.versionBefore} → v${a.versionAfter}`}</td>
            <td>
              <Badge value={a.ok ? 'ok' : 'failed'} />
            </td>
            <td class="small mono">{detailText(a.detail)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AuditPage(p: Chrome & { rows: ApiAudit[]; now: number; limit: number }) {
  const last = p.rows[p.rows.length - 1];
  return (
    <Layout {...p} tab="audit">
      <h1>Audit log</h1>
      <AuditTable rows={p.rows} now={p.now} />
      {last && p.rows.length === p.limit && (
        <p class="pager">
          <a href={`${BASE}/audit?before=${last.id}`}>Older entries →</a>
        </p>
      )}
    </Layout>
  );
}

export function SessionsPage(p: Chrome & { sessions: ApiSession[]; now: number }) {
  return (
    <Layout {...p} tab="sessions">
      <h1>Live sessions</h1>
      <p class="muted">Sessionful (2025) MCP sessions of this tenant; idle sessions expire on their own. Stateless 2026 requests hold no session.</p>
      {p.sessions.length === 0 ? (
        <p class="muted">No live sessions.</p>
      ) : (
        <table id="sessions">
          <thead>
            <tr>
              <th>Session</th>
              <th>User</th>
              <th>Lane</th>
              <th>Opened</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {p.sessions.map((s) => (
              <tr>
                <td class="mono">{s.sessionId}</td>
                <td>
                  <code>{s.sub}</code>
                </td>
                <td>{s.lane}</td>
                <td class="small">
                  <When at={s.createdAt} now={p.now} />
                </td>
                <td class="small">
                  <When at={s.lastSeenAt} now={p.now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
