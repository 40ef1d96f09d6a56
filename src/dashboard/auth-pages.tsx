/**
 * The dashboard's pages outside the signed-in layout: the token sign-in form (jwt mode) and the
 * error page every dashboard route answers a refusal with. Pure views, like pages.tsx.
 */
import { Action, Document } from './layout';
import { BASE, type Flash } from './security';

export function LoginPage(p: { csrf: string; error?: string; flash?: Flash }) {
  return (
    <Document title="Sign in">
      <div class="login">
        <h1>edgehub admin</h1>
        <p>
          Paste an access token with the <code>admin</code> scope, e.g. from <code>npx edgehub auth token --sub you --scope admin --ttl 8h</code>. It is kept in
          an HttpOnly cookie for this dashboard only, until it expires or you log out.
        </p>
        {p.flash && <div class={`flash ${p.flash.kind}`}>{p.flash.text}</div>}
        {p.error && (
          <div class="flash error" role="alert">
            {p.error}
          </div>
        )}
        <form method="post" action={`${BASE}/login`}>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <label for="token">Access token (JWT)</label>
          <textarea id="token" name="token" required autocomplete="off" spellcheck={false}></textarea>
          <p>
            <button type="submit" class="primary">
              Sign in
            </button>
          </p>
        </form>
      </div>
    </Document>
  );
}

export function ErrorPage(p: { status: number; message: string; signedIn: boolean; csrf?: string }) {
  return (
    <Document title={`Error ${p.status}`}>
      <div class="login">
        <h1>{p.status === 403 ? 'Not allowed' : p.status === 429 ? 'Slow down' : 'Request refused'}</h1>
        <div class="flash error" role="alert">
          {p.message}
        </div>
        <p>
          <a href={BASE}>Back to the dashboard</a>
          {p.signedIn && p.csrf && (
            <>
              {' · '}
              <Action action={`${BASE}/logout`} csrf={p.csrf} label="Log out and use another token" />
            </>
          )}
        </p>
      </div>
    </Document>
  );
}
