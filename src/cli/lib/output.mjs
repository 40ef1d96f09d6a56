/**
 * Output: aligned tables and key/value blocks for people on stdout, `--json` for scripts on
 * stdout, and progress/notes on stderr (so `--json` output and piped values stay clean).
 * Progress is a live, self-overwriting line on a TTY and plain lines otherwise; `--quiet` hides it.
 */

/** @typedef {{ json: boolean, quiet: boolean, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream }} Out */

/** @param {{ json?: boolean, quiet?: boolean }} o @returns {Out} */
export function createOut(o) {
  return { json: !!o.json, quiet: !!o.quiet, stdout: process.stdout, stderr: process.stderr };
}

/** @param {Out} out @param {unknown} value */
export function printJson(out, value) {
  out.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** @param {Out} out @param {string} line */
export function println(out, line = '') {
  out.stdout.write(`${line}\n`);
}

/** A note on stderr (hidden by --quiet). @param {Out} out @param {string} line */
export function note(out, line) {
  if (!out.quiet) out.stderr.write(`${line}\n`);
}

/** A warning on stderr (never hidden). @param {Out} out @param {string} line */
export function warn(out, line) {
  out.stderr.write(`warning: ${line}\n`);
}

/**
 * The API's `warnings` (unknown keys it kept) on stderr, one line each, never hidden: a typo such
 * as `hedaers` must stay visible. @param {Out} out @param {any} json an API reply @param {string} [where]
 */
export function printWarnings(out, json, where = '') {
  for (const w of json?.warnings ?? []) warn(out, `${where ? `${where}: ` : ''}${w.path}: ${w.message}`);
}

const MAX_CELL = 60;

/** @param {unknown} v */
function cell(v) {
  if (v === null || v === undefined || v === '') return '-';
  const s = Array.isArray(v) ? v.join(',') || '-' : String(v);
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/**
 * Prints rows as an aligned table; columns are [key, HEADER] pairs. Cells are single-line and
 * at most 60 characters (the JSON output has the full values).
 * @param {Out} out @param {[string, string][]} columns @param {Record<string, unknown>[]} rows
 * @param {string} [empty] what to say when there are no rows
 */
export function printTable(out, columns, rows, empty = '(none)') {
  if (rows.length === 0) return println(out, empty);
  const grid = [columns.map(([, h]) => h), ...rows.map((r) => columns.map(([k]) => cell(r[k])))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => line[i].length)));
  for (const line of grid)
    println(
      out,
      line
        .map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    );
}

/** Prints `key  value` lines aligned on the keys. @param {Out} out @param {[string, unknown][]} pairs */
export function printPairs(out, pairs) {
  const w = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) {
    const s = v === null || v === undefined || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    println(out, `${k.padEnd(w)}  ${s}`);
  }
}

/**
 * Progress for long work. `update(text)` replaces the live line on a TTY (with elapsed seconds);
 * off a TTY it prints each update as a line. `done(text)` ends it.
 * @param {Out} out @param {string} text
 */
export function progress(out, text) {
  const tty = !!out.stderr.isTTY && !out.quiet;
  const t0 = Date.now();
  let current = text;
  let timer = /** @type {NodeJS.Timeout | undefined} */ (undefined);
  const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
  const draw = () => out.stderr.write(`\r\x1b[2K${current} (${secs()} s)`);
  if (tty) {
    draw();
    timer = setInterval(draw, 200);
    timer.unref();
  } else note(out, `${text}…`);
  return {
    /** @param {string} t */
    update(t) {
      current = t;
      if (tty) draw();
      else note(out, t);
    },
    /** @param {string} [t] */
    done(t) {
      if (timer) clearInterval(timer);
      if (tty) out.stderr.write('\r\x1b[2K');
      if (t) note(out, `${t} (${secs()} s)`);
    },
  };
}

/** The URL without credentials, for display. @param {string} url */
export function displayUrl(url) {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
