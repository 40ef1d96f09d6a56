// The token's optional view claims (`profile`, `mode`): carried into the Principal when well
// formed, refused as bad_claims otherwise (a malformed claim never silently widens the view).
import { describe, expect, it } from 'vitest';
import { parsePublicKeys } from '../../src/auth/keys';
import { verifyAccessToken } from '../../src/auth/verify';
import { createMinter, TEST_ISSUER } from '../helpers/tokens';

const AUD = 'https://hub.example/mcp';

describe('profile and mode claims', () => {
  it('are kept when well formed and refused when not', async () => {
    const m = await createMinter({ audience: AUD });
    const { keys } = await parsePublicKeys(m.keys.publicPem);
    const o = { keys: { local: keys, remote: null, errors: [] }, issuer: TEST_ISSUER, audience: [AUD], clockToleranceSec: 30, defaultScopes: [] };
    const ok = await verifyAccessToken(await m.token({ extra: { profile: 'coder', mode: 'search' } }), o);
    expect(ok.ok && ok.principal).toMatchObject({ sub: 'alice', profile: 'coder', mode: 'search' });
    const none = await verifyAccessToken(await m.token(), o);
    expect(none.ok && 'profile' in none.principal).toBe(false);
    for (const extra of [{ profile: 7 }, { profile: '../x' }, { mode: ['search'] }, { profile: '' }]) {
      const r = await verifyAccessToken(await m.token({ extra }), o);
      expect(r.ok ? 'accepted' : r.reason, JSON.stringify(extra)).toBe('bad_claims');
    }
  });
});
