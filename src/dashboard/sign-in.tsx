/**
 * Pages of AUTH_MODE=oauth (server-rendered Hono JSX; JSX escapes every value, and the client's
 * name, domain and scopes are attacker-chosen, so they are only ever interpolated, never raw):
 * the consent page, sign-in and error pages, and "Connected apps". Same CSS, CSP and headers as
 * the dashboard (security.ts).
 */
import type { Child } from 'hono/jsx';
import { Action, Document, Layout } from './layout';
import { BASE, type Flash } from './security';

export interface ConsentFacts {
  clientName: string;
  /** A metadata-document client's verified domain (its client_id host); undefined for a registered one. */
  clientDomain?: string;
  redirectHost: string;
  redirectIsLoopback: boolean;
  scopes: string[];
  /** Asked for but not grantable by this person (e.g. `admin`). */
  refused: string[];
  user: { sub: string; tenant: string; email?: string };
}

const SCOPE_TEXT: Record<string, string> = {
  'mcp:read': 'list and read tools, resources and prompts',
  'mcp:call': 'call tools that change things',
  admin: 'administer this edgehub (servers, secrets, config)',
  connector: 'run connectors for your tenant',
};

export function ConsentPage(p: ConsentFacts & { handle: string; action: string }) {
  return (
    <Document title={`Allow ${p.clientName}?`}>
      <div class="login consent">
        <h1>
          Allow <span data-testid="client-name">{p.clientName}</span> to use edgehub as you?
        </h1>
        <p>
          Signed in as <code>{p.user.email ?? p.user.sub}</code> in tenant <code>{p.user.tenant}</code>.
        </p>
        <p>
          {p.clientDomain ? (
            <>
              Published by <strong>{p.clientDomain}</strong>.{' '}
            </>
          ) : (
            'This app registered itself: its name is not verified. '
          )}
          Access goes to <strong data-testid="redirect-host">{p.redirectHost}</strong>.
        </p>
        {p.redirectIsLoopback && <p class="flash error">This sends access to an app on your computer. Continue only if you just started signing in from it.</p>}
        <p>It may:</p>
        <ul data-testid="scopes">
          {p.scopes.map((s) => (
            <li>
              <code>{s}</code> — {SCOPE_TEXT[s] ?? s}
            </li>
          ))}
        </ul>
        {p.refused.length > 0 && (
          <p>
            Not granted (your account may not): <code>{p.refused.join(' ')}</code>
          </p>
        )}
        {/* One form per decision, the decision a hidden field: the dashboard script disables a form's
            button on submit, which would drop a named submit button's value from the form data. */}
        <p>
          {(['approve', 'deny'] as const).map((decision) => (
            <form class="inline" method="post" action={p.action}>
              <input type="hidden" name="handle" value={p.handle} />
              <input type="hidden" name="decision" value={decision} />
              <button type="submit" class={decision === 'approve' ? 'primary' : undefined} data-testid={decision}>
                {decision === 'approve' ? 'Approve' : 'Deny'}
              </button>{' '}
            </form>
          ))}
        </p>
      </div>
    </Document>
  );
}

export function MessagePage(p: { title: string; message: string; children?: Child }) {
  return (
    <Document title={p.title}>
      <div class="login">
        <h1>{p.title}</h1>
        <div class="flash error" role="alert">
          {p.message}
        </div>
        {p.children}
      </div>
    </Document>
  );
}

/** The dashboard's sign-in page in oauth mode: one link to the provider, no token pasting. */
export function SignInPage(p: { provider: string; flash?: Flash }) {
  return (
    <Document title="Sign in">
      <div class="login">
        <h1>edgehub admin</h1>
        {p.flash && <div class={`flash ${p.flash.kind}`}>{p.flash.text}</div>}
        <p>
          Sign in with your organisation's account at <code>{p.provider}</code>.
        </p>
        <p>
          <a class="button primary" href={`/oauth/login?return_to=${encodeURIComponent(BASE)}`} data-testid="sign-in">
            Sign in
          </a>
        </p>
      </div>
    </Document>
  );
}

export interface AppRow {
  grantId: string;
  clientName: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
}

export function AppsPage(p: { title: string; csrf: string; flash?: Flash; user: { sub: string; tenant: string; devOpen: boolean }; apps: AppRow[] | null }) {
  return (
    <Layout title={p.title} tab="apps" csrf={p.csrf} flash={p.flash} user={{ ...p.user, oauth: true }}>
      <h2>Connected apps</h2>
      {p.apps === null ? (
        <p>Connected apps exist in sign-in mode (AUTH_MODE=oauth) only.</p>
      ) : p.apps.length === 0 ? (
        <p data-testid="no-apps">No app holds access for you.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>App</th>
              <th>Scopes</th>
              <th>Since</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {p.apps.map((a) => (
              <tr data-testid="app-row">
                <td>
                  {a.clientName}
                  <br />
                  <small>
                    <code>{a.clientId}</code>
                  </small>
                </td>
                <td>
                  <code>{a.scopes.join(' ')}</code>
                </td>
                <td>{new Date(a.createdAt * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
                <td>
                  <Action
                    action={`${BASE}/apps/${encodeURIComponent(a.grantId)}/revoke`}
                    csrf={p.csrf}
                    label="Revoke"
                    confirm={`Revoke ${a.clientName}'s access?`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
