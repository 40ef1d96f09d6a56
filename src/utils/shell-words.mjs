/**
 * Splits a command line into words exactly as Python's `shlex.split` does (POSIX mode), which is
 * how Magg splits its "full command" strings: blanks separate words; '…' is literal; "…" keeps
 * blanks, and a backslash in it escapes only `"` and `\`; outside quotes a backslash escapes the
 * next character. No expansion of any kind: variables, globs and `#` stay as written. Plain
 * JavaScript so that the CLI (Node, no build step) shares it with `hub_add_server`.
 *
 * @param {string} line
 * @returns {string[]}
 */
export function shellWords(line) {
  /** @type {string[]} */
  const words = [];
  let word = '';
  let inWord = false;
  /** @type {"'" | '"' | null} */
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\'.includes(line[i + 1])) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('the command line ends with an unescaped backslash');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`the command line has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}
