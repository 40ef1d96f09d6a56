/**
 * The Profiles page (/admin/profiles): each profile of the tenant (curated tool views served at
 * /mcp/p/NAME, config/profiles.ts) with its servers, filters, tool overrides and mode, a form that
 * saves one as JSON (create or replace) and a remove button. Changes go through the admin API
 * (/admin/api/profiles): versioned, audited, and announced to live sessions.
 */
import { Action, type Chrome, Layout } from './layout';
import { BASE } from './security';

export interface ApiProfile {
  servers?: string[];
  include?: string[];
  exclude?: string[];
  tools?: Record<string, { name?: string; description?: string; hidden?: boolean }>;
  mode?: string;
  description?: string;
}

const list = (v?: string[]) => (v?.length ? v.join(', ') : '—');

function overrides(tools: ApiProfile['tools']): string {
  const out = Object.entries(tools ?? {}).map(([name, o]) => {
    if (o.hidden) return `${name}: hidden`;
    const parts = [o.name ? `→ ${o.name}` : '', o.description !== undefined ? 'described' : ''].filter(Boolean);
    return `${name} ${parts.join(', ')}`;
  });
  return out.length ? out.join('; ') : '—';
}

export function ProfilesPage(p: Chrome & { csrf: string; profiles: Record<string, ApiProfile> }) {
  const names = Object.keys(p.profiles).sort();
  const example = JSON.stringify({ servers: ['git'], exclude: ['git_push'], tools: { git_commit: { name: 'save_work' } }, mode: 'search' });
  return (
    <Layout {...p} tab="profiles">
      <h1>Profiles</h1>
      <p class="muted">
        Curated views of the tool list, served at <code>/mcp/p/NAME</code> (or chosen by a token's <code>profile</code> claim). Modes: full, search (two meta
        tools), code (search + code execution).
      </p>
      {names.length === 0 ? (
        <p class="muted">No profiles yet.</p>
      ) : (
        <table id="profiles">
          <thead>
            <tr>
              <th>Name</th>
              <th>Mode</th>
              <th>Servers</th>
              <th>Include</th>
              <th>Exclude</th>
              <th>Tool overrides</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {names.map((n) => {
              const x = p.profiles[n];
              return (
                <tr data-profile={n}>
                  <td>
                    <code>{n}</code>
                    <div class="small muted">/mcp/p/{n}</div>
                  </td>
                  <td>{x.mode ?? 'full'}</td>
                  <td>{list(x.servers)}</td>
                  <td class="small">{list(x.include)}</td>
                  <td class="small">{list(x.exclude)}</td>
                  <td class="small">{overrides(x.tools)}</td>
                  <td>
                    <Action
                      action={`${BASE}/profiles/${encodeURIComponent(n)}/delete`}
                      csrf={p.csrf}
                      label="Remove"
                      confirm={`Remove profile ${n}?`}
                      class="danger"
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h2>Save a profile</h2>
      <form method="post" action={`${BASE}/profiles`} id="profile-form">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <label>
          Name <input name="name" required pattern="[a-zA-Z0-9][a-zA-Z0-9._\-]{0,63}" />
        </label>
        <label>
          Profile (JSON)
          <textarea name="profile" rows={6} cols={80} placeholder={example}></textarea>
        </label>
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}
