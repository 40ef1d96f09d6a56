/**
 * Page chrome: head (self-hosted CSS/JS only, see assets.ts), header with tenant, user and config
 * version, navigation, flash message. JSX escapes every interpolated value.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { CSS_FILE, JS_FILE } from './assets';
import { BASE, type Flash } from './security';

export interface Chrome {
  title: string;
  /** Current tab: its nav link gets aria-current. */
  tab?: 'servers' | 'sessions' | 'audit' | 'profiles' | 'trust' | 'apps' | 'connections';
  /** Signed-in user; undefined on the login page. `oauth`: signed in through the provider (adds "Connected apps"). */
  user?: { sub: string; tenant: string; devOpen: boolean; oauth?: boolean };
  configVersion?: number;
  csrf?: string;
  flash?: Flash;
}

export function Document(props: { title: string; children?: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{props.title} · edgehub</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href={`${BASE}/assets/${CSS_FILE}`} />
          <script src={`${BASE}/assets/${JS_FILE}`} defer></script>
        </head>
        <body>{props.children}</body>
      </html>
    </>
  );
}

const TABS = [
  { id: 'servers', label: 'Servers', href: BASE },
  { id: 'sessions', label: 'Sessions', href: `${BASE}/sessions` },
  { id: 'audit', label: 'Audit log', href: `${BASE}/audit` },
  { id: 'profiles', label: 'Profiles', href: `${BASE}/profiles` },
  { id: 'trust', label: 'Trust', href: `${BASE}/trust` },
  { id: 'apps', label: 'Connected apps', href: `${BASE}/apps` },
  { id: 'connections', label: 'Upstream sign-ins', href: `${BASE}/connections` },
] as const;

export function Layout(props: Chrome & { children?: Child }) {
  const u = props.user;
  return (
    <Document title={props.title}>
      <header>
        <span class="brand">edgehub admin</span>
        <span class="meta">
          {u && (
            <span>
              tenant <code>{u.tenant}</code>
            </span>
          )}
          {props.configVersion !== undefined && (
            <span data-testid="config-version">
              config <strong>v{props.configVersion}</strong>
            </span>
          )}
        </span>
        <span class="spacer"></span>
        {u && (
          <span class="meta">
            <span>
              {u.devOpen ? 'dev-open (local developer)' : 'signed in as'} <code>{u.sub}</code>
            </span>
            {!u.devOpen && props.csrf && (
              <form class="inline" method="post" action={`${BASE}/logout`}>
                <input type="hidden" name="_csrf" value={props.csrf} />
                <button type="submit">Log out</button>
              </form>
            )}
          </span>
        )}
      </header>
      {u && (
        <nav>
          {TABS.filter((t) => t.id !== 'apps' || u.oauth).map((t) => (
            <a href={t.href} aria-current={props.tab === t.id ? 'page' : undefined}>
              {t.label}
            </a>
          ))}
        </nav>
      )}
      <main>
        {props.flash && (
          <div class={`flash ${props.flash.kind}`} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
            {props.flash.text}
          </div>
        )}
        {props.children}
      </main>
    </Document>
  );
}

/** A hidden-CSRF POST form with one button. */
export function Action(props: { action: string; csrf: string; label: string; confirm?: string; class?: string; fields?: Record<string, string> }) {
  return (
    <form class="inline" method="post" action={props.action} data-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.class}>
        {props.label}
      </button>
    </form>
  );
}

export function Badge(props: { value: string; title?: string }) {
  return (
    <span class={`badge b-${props.value.replace(/\s+/g, '-')}`} title={props.title}>
      {props.value}
    </span>
  );
}
