import { describe, expect, it } from 'vitest';
import { CLIENT_SAFE_NAME, exposedName, exposedUri, parseExposedUri } from '../../src/mcp/naming';

describe('exposed names', () => {
  it('prefixes with an underscore and keeps safe names unchanged', () => {
    expect(exposedName('ev', 'echo')).toBe('ev_echo');
    expect(exposedName('', 'test_simple_text')).toBe('test_simple_text');
  });
  it('always fits ^[a-zA-Z0-9_-]{1,64}$, deterministically, and distinct inputs stay distinct', () => {
    const long = 'a'.repeat(80);
    const n1 = exposedName('pfx', long);
    expect(n1).toMatch(CLIENT_SAFE_NAME);
    expect(n1).toBe(exposedName('pfx', long));
    expect(exposedName('pfx', `${long}b`)).not.toBe(n1);
    const dotted = exposedName('ns', 'files.read');
    expect(dotted).toMatch(CLIENT_SAFE_NAME);
    expect(dotted).not.toBe(exposedName('ns', 'files-read'));
    expect(exposedName('ns', 'ünïcode tool')).toMatch(CLIENT_SAFE_NAME);
  });
  it('namespaces URIs reversibly, templates included', () => {
    for (const uri of ['test://static-text', 'file:///a/b?c=1#d', 'test://template/{id}/data']) {
      const e = exposedUri('ev', 'ev', uri);
      expect(parseExposedUri(e)).toEqual({ server: 'ev', uri });
    }
    expect(exposedUri('ev', '', 'test://x')).toBe('test://x');
    expect(parseExposedUri('test://x')).toBeNull();
  });
});
