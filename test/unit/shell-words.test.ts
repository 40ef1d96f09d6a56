// shellWords splits as Python's shlex.split does (Magg splits magg_add_server's `command` with it).
// Each expected value below was produced by Python 3's shlex.split on the same input.
import { describe, expect, it } from 'vitest';
import { shellWords } from '../../src/utils/shell-words.mjs';

const CASES: [string, string[]][] = [
  ['npx @playwright/mcp@latest', ['npx', '@playwright/mcp@latest']],
  ['echo test', ['echo', 'test']],
  ['uv run python server.py', ['uv', 'run', 'python', 'server.py']],
  ['docker run -i myimage:tag', ['docker', 'run', '-i', 'myimage:tag']],
  ['  python   -m  mod  ', ['python', '-m', 'mod']],
  ['node "my script.js" --port 8000', ['node', 'my script.js', '--port', '8000']],
  ["sh -c 'echo $HOME; exit 0'", ['sh', '-c', 'echo $HOME; exit 0']],
  ['a\\ b c', ['a b', 'c']],
  ['say "a \\"quoted\\" word"', ['say', 'a "quoted" word']],
  ["x '' y", ['x', '', 'y']],
  ['x "" y', ['x', '', 'y']],
  ['printf "%s\\n" tab\there', ['printf', '%s\\n', 'tab', 'here']],
  ['echo "\\$HOME" \\$HOME \'$HOME\'', ['echo', '\\$HOME', '$HOME', '$HOME']],
  ['a#b # c', ['a#b', '#', 'c']],
  ['mixed"quo"ted\'str\'ing', ['mixedquotedstring']],
  ['echo "back\\\\slash" \'single\\\\\'', ['echo', 'back\\slash', 'single\\\\']],
  ['', []],
  ['   ', []],
];

describe('shellWords', () => {
  it.each(CASES)('%j', (line, words) => {
    expect(shellWords(line)).toEqual(words);
  });
  it('refuses what shlex refuses: an unclosed quote, a trailing backslash', () => {
    expect(() => shellWords("echo 'open")).toThrow(/unclosed ' quote/);
    expect(() => shellWords('echo "open')).toThrow(/unclosed " quote/);
    expect(() => shellWords('trailing\\')).toThrow(/unescaped backslash/);
  });
});
