import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readLimits } from '../../src/config/limits';

describe('readLimits', () => {
  it('defaults, overrides, and invalid values fall back to the default', () => {
    expect(readLimits({})).toEqual(DEFAULT_LIMITS);
    const l = readLimits({ MAX_SESSIONS_PER_PRINCIPAL: '5', MAX_SERVERS_PER_TENANT: '0', MAX_CONFIG_BYTES: 'lots', CONFIG_HISTORY_VERSIONS: ' 7 ' });
    expect(l.sessionsPerPrincipal).toBe(5);
    expect(l.serversPerTenant).toBe(DEFAULT_LIMITS.serversPerTenant);
    expect(l.configBytes).toBe(DEFAULT_LIMITS.configBytes);
    expect(l.historyVersions).toBe(7);
  });

  it('dev-open has one principal: per-principal caps do not apply there, tenant caps do', () => {
    const l = readLimits({ AUTH_MODE: 'dev-open', MAX_SESSIONS_PER_PRINCIPAL: '5', MAX_SESSIONS_PER_TENANT: '9', MAX_LISTEN_STREAMS_PER_PRINCIPAL: '2' });
    expect(l.sessionsPerPrincipal).toBeGreaterThan(1e9);
    expect(l.listenPerPrincipal).toBeGreaterThan(1e9);
    expect(l.sessionsPerTenant).toBe(9);
    expect(readLimits({ AUTH_MODE: 'jwt', MAX_SESSIONS_PER_PRINCIPAL: '5' }).sessionsPerPrincipal).toBe(5);
  });
});
