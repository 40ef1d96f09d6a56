/**
 * The dashboard's only static files, kept as strings (no build step) and served from self so the
 * CSP needs no inline script or style. File names carry a content hash: cached for a year, and a
 * new deploy changes the name.
 */
const CSS = `
:root { color-scheme: light dark; --bg:#f6f7f9; --fg:#1d2330; --muted:#5d6677; --card:#fff; --line:#dde1e8;
  --ok:#17803d; --okbg:#e3f5e9; --bad:#b42318; --badbg:#fde7e5; --warn:#9a6700; --warnbg:#fff4d6; --off:#5d6677; --offbg:#eceef2; --accent:#2f5bd3; }
@media (prefers-color-scheme: dark) { :root { --bg:#12151b; --fg:#e6e9ef; --muted:#9aa3b5; --card:#1b2029; --line:#2c3340;
  --okbg:#15351f; --ok:#6fd08f; --badbg:#3d1c1a; --bad:#ff8f85; --warnbg:#3a2f12; --warn:#f0c766; --offbg:#262c37; --off:#a9b1c1; --accent:#8aa8ff; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; align-items:center; gap:16px; padding:10px 24px; background:var(--card); border-bottom:1px solid var(--line); }
header .brand { font-weight:700; font-size:16px; }
header .meta { color:var(--muted); display:flex; gap:14px; flex-wrap:wrap; }
header .spacer { flex:1; }
nav { display:flex; gap:4px; padding:0 24px; background:var(--card); border-bottom:1px solid var(--line); }
nav a { padding:9px 12px; color:var(--muted); text-decoration:none; border-bottom:2px solid transparent; }
nav a[aria-current="page"] { color:var(--fg); border-bottom-color:var(--accent); font-weight:600; }
main { padding:20px 24px; max-width:1280px; }
h1 { font-size:18px; margin:4px 0 14px; display:flex; align-items:center; gap:12px; }
h2 { font-size:15px; margin:24px 0 10px; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:hidden; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600; background:var(--bg); }
tr:last-child td { border-bottom:0; }
td.num { font-variant-numeric:tabular-nums; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.muted { color:var(--muted); }
.small { font-size:12px; }
.err { color:var(--bad); font-size:12px; margin-top:3px; max-width:420px; overflow-wrap:anywhere; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; white-space:nowrap; }
.b-up, .b-closed, .b-ok { background:var(--okbg); color:var(--ok); }
.b-down, .b-open, .b-failed { background:var(--badbg); color:var(--bad); }
.b-half-open, .b-unchecked { background:var(--warnbg); color:var(--warn); }
.b-disabled, .b-not-mountable, .b-none { background:var(--offbg); color:var(--off); }
.actions { display:flex; gap:6px; flex-wrap:wrap; }
form.inline { display:inline; margin:0; }
button { font:inherit; font-size:13px; padding:4px 10px; border-radius:6px; border:1px solid var(--line); background:var(--card); color:var(--fg); cursor:pointer; }
button:hover { border-color:var(--accent); }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button.danger { color:var(--bad); }
button[disabled] { opacity:.6; cursor:progress; }
.flash { padding:10px 14px; border-radius:8px; margin-bottom:16px; border:1px solid var(--line); }
.flash.ok { background:var(--okbg); color:var(--ok); }
.flash.error { background:var(--badbg); color:var(--bad); }
.cards { display:flex; gap:12px; margin-bottom:18px; flex-wrap:wrap; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:140px; }
.card .v { font-size:20px; font-weight:700; }
.card .k { color:var(--muted); font-size:12px; }
.login { max-width:560px; margin:60px auto; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:24px 28px; }
.login textarea { width:100%; min-height:120px; font-family:ui-monospace,Menlo,monospace; font-size:12px; padding:8px; border-radius:6px; border:1px solid var(--line); background:var(--bg); color:var(--fg); }
.login p { color:var(--muted); }
.pager { margin-top:12px; }
`;

const JS = `// edgehub dashboard: progressive enhancement only; every action works without this file.
'use strict';
document.addEventListener('submit', function (e) {
  var form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  var question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) { e.preventDefault(); return; }
  var button = form.querySelector('button');
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
});
`;

/** FNV-1a, 32 bit: a stable content tag for cache-busting file names (not a security hash). */
function tag(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export const ASSETS: Record<string, { body: string; type: string }> = {
  [`dashboard.${tag(CSS)}.css`]: { body: CSS, type: 'text/css; charset=utf-8' },
  [`dashboard.${tag(JS)}.js`]: { body: JS, type: 'text/javascript; charset=utf-8' },
};

const names = Object.keys(ASSETS);
export const CSS_FILE = names.find((n) => n.endsWith('.css'))!;
export const JS_FILE = names.find((n) => n.endsWith('.js'))!;
