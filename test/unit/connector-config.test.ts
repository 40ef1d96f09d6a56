// Which entries a connector serves and what it is sent: stdio always, http(s) only when the entry
// names a connector; header references of connector-served entries never ask the tenant's secrets.
import { describe, expect, it } from 'vitest';
import { assignmentFor, connectorNames, connectorOf } from '../../src/config/connector';
import type { HubConfig } from '../../src/config/schema';
import { configSecretNames, serverSecretNames } from '../../src/config/secrets';

const config: HubConfig = {
  servers: {
    local: { command: 'node', args: ['server.js'], env: { TOKEN: '${LOCAL_TOKEN}' } },
    onLaptop: { command: 'uvx', args: ['x'], transport: { connector: 'laptop' } },
    lan: { uri: 'http://10.0.0.5:8080/mcp', transport: { connector: 'laptop', headers: { Authorization: 'Bearer ${LAN_TOKEN}' } } },
    lanSse: { uri: 'https://nas.lan/sse', transport: { connector: 'laptop' } },
    off: { uri: 'http://10.0.0.6/mcp', enabled: false, transport: { connector: 'laptop' } },
    edge: { uri: 'https://api.example/mcp', transport: { headers: { Authorization: 'Bearer ${API_TOKEN}' } } },
    builtin: { uri: 'builtin:git', transport: { connector: 'laptop' } },
  },
  kits: {},
};

describe('connector config', () => {
  it('stdio entries default to `default`; http(s) entries only with an explicit connector; builtins never', () => {
    const s = config.servers;
    expect(connectorOf(s.local)).toBe('default');
    expect(connectorOf(s.onLaptop)).toBe('laptop');
    expect(connectorOf(s.lan)).toBe('laptop');
    expect(connectorOf(s.lanSse)).toBe('laptop');
    expect(connectorOf(s.edge)).toBeNull();
    expect(connectorOf(s.builtin)).toBeNull();
    expect([...connectorNames(config)].sort()).toEqual(['default', 'laptop']);
  });

  it('the assignment carries uri and raw header text for http entries, command/args/env for stdio; disabled ones left out', () => {
    expect(assignmentFor('laptop', 7, config)).toEqual({
      version: 7,
      servers: {
        onLaptop: { command: 'uvx', args: ['x'], env: {} },
        lan: { uri: 'http://10.0.0.5:8080/mcp', headers: { Authorization: 'Bearer ${LAN_TOKEN}' } },
        lanSse: { uri: 'https://nas.lan/sse', headers: {} },
      },
    });
    expect(assignmentFor('default', 1, config).servers).toEqual({ local: { command: 'node', args: ['server.js'], env: { TOKEN: '${LOCAL_TOKEN}' } } });
    expect(assignmentFor('nobody', 1, config).servers).toEqual({});
  });

  it("a connector-served entry's header references resolve on the connector, never from the tenant's secrets", () => {
    expect([...serverSecretNames(config.servers.lan)]).toEqual([]);
    expect([...serverSecretNames(config.servers.edge)]).toEqual(['API_TOKEN']);
    expect([...configSecretNames(config.servers)]).toEqual(['API_TOKEN']);
  });
});
