/**
 * Pages of upstream sign-in (routes/upstream-oauth.tsx): the confirmation that names the principal
 * a grant will be linked to (the phishing check of URL elicitation: a person who did not ask for
 * this sees whose account it is and stops), and the result. Plain forms, no script needed.
 */
import { Document } from './layout';

export interface ConfirmFacts {
  server: string;
  resource: string;
  issuer: string;
  tenant: string;
  /** Who the grant is for (the principal), or who makes the tenant's shared grant. */
  principal: string;
  shared: boolean;
  handle: string;
  action: string;
}

export function UpstreamConfirmPage(p: ConfirmFacts) {
  return (
    <Document title={`Connect ${p.server}?`}>
      <div class="login consent">
        <h1>
          Connect <span data-testid="server">{p.server}</span>?
        </h1>
        <p>
          {p.shared ? 'The tenant’s shared sign-in, made by ' : 'This links your account at the server to the edgehub principal '}
          <strong data-testid="principal">{p.principal}</strong> in tenant <code>{p.tenant}</code>
          {p.shared ? ': every member of the tenant will act through it.' : ': edgehub will call it as you for this principal only.'}
        </p>
        <p>
          Server <code>{p.resource}</code>, sign-in at <code>{p.issuer}</code>.
        </p>
        <p class="flash error">Continue only if you just asked for this from your own MCP client. If someone sent you this link, close this page.</p>
        <form class="inline" method="post" action={p.action}>
          <input type="hidden" name="handle" value={p.handle} />
          <input type="hidden" name="decision" value="approve" />
          <button type="submit" class="primary" data-testid="approve">
            Continue to sign in
          </button>
        </form>
      </div>
    </Document>
  );
}

export function UpstreamDonePage(p: { server: string }) {
  return (
    <Document title={`${p.server} connected`}>
      <div class="login">
        <h1>{p.server} is connected</h1>
        <p data-testid="connected">You can close this window and go back to your MCP client: retry the call.</p>
      </div>
    </Document>
  );
}
