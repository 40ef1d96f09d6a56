import { describe, expect, it } from 'vitest';
import * as changes from '../../src/config/changes';
import { parseConfig } from '../../src/config/parse';
import type { HubConfig } from '../../src/config/schema';
import { isReferenceOnly, redactServer, resolveSecrets } from '../../src/config/secrets';

const base: HubConfig = { servers: { a: { uri: 'https://a.example/mcp', prefix: 'a' } }, kits: {} };

describe('config changes', () => {
  it('diff follows Magg order buckets', () => {
    const before: HubConfig = {
      servers: { gone: { uri: 'https://g/mcp' }, off: { uri: 'https://o/mcp' }, upd: { uri: 'https://u/mcp' }, on: { uri: 'https://n/mcp', enabled: false } },
      kits: {},
    };
    const after: HubConfig = {
      servers: {
        off: { uri: 'https://o/mcp', enabled: false },
        upd: { uri: 'https://u2/mcp' },
        on: { uri: 'https://n/mcp', enabled: true },
        added: { uri: 'https://x/mcp' },
      },
      kits: {},
    };
    expect(changes.diff(before, after)).toEqual({ remove: ['gone'], disable: ['off'], update: ['upd'], enable: ['on'], add: ['added'] });
  });
  it('refuses duplicate prefixes, the hub prefix and two empty prefixes', () => {
    expect(changes.validate({ servers: { a: { uri: 'https://a/mcp', prefix: 'x' }, b: { uri: 'https://b/mcp', prefix: 'x' } }, kits: {} }, 'hub').ok).toBe(
      false,
    );
    expect(changes.validate({ servers: { a: { uri: 'https://a/mcp', prefix: 'hub' } }, kits: {} }, 'hub').ok).toBe(false);
    expect(changes.validate({ servers: { a: { uri: 'https://a/mcp', prefix: '' }, b: { uri: 'https://b/mcp', prefix: '' } }, kits: {} }, 'hub').ok).toBe(false);
    expect(
      changes.validate({ servers: { a: { uri: 'https://a/mcp', prefix: 'x' }, b: { uri: 'https://b/mcp', prefix: 'x', enabled: false } }, kits: {} }, 'hub').ok,
    ).toBe(true);
  });
  it('detects exposed-name collisions between an unprefixed and a prefixed server', () => {
    const cfg: HubConfig = { servers: { raw: { uri: 'https://r/mcp', prefix: '' }, ab: { uri: 'https://a/mcp', prefix: 'ab' } }, kits: {} };
    expect(
      changes.collisions(
        cfg,
        new Map([
          ['raw', ['ab_tool']],
          ['ab', ['tool']],
        ]),
      ),
    ).toMatch(/ab_tool/);
    expect(
      changes.collisions(
        cfg,
        new Map([
          ['raw', ['other']],
          ['ab', ['tool']],
        ]),
      ),
    ).toBeNull();
  });
  it('kits: load tags servers, unload removes only servers in no other kit', () => {
    const cfg: HubConfig = {
      servers: { shared: { uri: 'https://s/mcp', kits: ['k2'] } },
      kits: { k1: { servers: { shared: { uri: 'https://s/mcp' }, own: { uri: 'https://o/mcp' } } }, k2: { servers: { shared: { uri: 'https://s/mcp' } } } },
    };
    const loaded = changes.loadKit(cfg, 'k1');
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.config.added).toEqual(['own']);
    expect(loaded.config.config.servers.shared.kits).toEqual(['k2', 'k1']);
    const unloaded = changes.unloadKit(loaded.config.config, 'k1');
    if (!unloaded.ok) throw new Error(unloaded.error);
    expect(unloaded.config.removed).toEqual(['own']);
    expect(unloaded.config.config.servers.shared.kits).toEqual(['k2']);
  });
  it('update merges and null deletes a field; unknown server is 404', () => {
    const r = changes.updateServer(base, 'a', { notes: 'n', prefix: null });
    expect(r.ok && r.config.servers.a).toEqual({ uri: 'https://a.example/mcp', notes: 'n' });
    const missing = changes.updateServer(base, 'zz', {});
    expect(!missing.ok && missing.status).toBe(404);
  });
  it('parse errors name the field path', () => {
    const r = parseConfig({ servers: { s: { uri: 'https://x/mcp', transport: { headers: { a: 1 } } } } });
    expect(!r.ok && r.error).toMatch(/servers\.s\.transport\.headers\.a/);
  });
});

describe('secrets', () => {
  it('resolves ${NAME} from the resolved set and names a missing secret', () => {
    expect(resolveSecrets({ Authorization: 'Bearer ${TOK}' }, { tenant: 't', values: { TOK: 's3cret' }, errors: {} })).toEqual({
      Authorization: 'Bearer s3cret',
    });
    expect(() => resolveSecrets({ A: '${NOPE}' }, { tenant: 't', values: {}, errors: {} })).toThrow(/NOPE/);
  });
  it('redacts literal values but keeps reference-only ones', () => {
    expect(isReferenceOnly('${A}')).toBe(true);
    expect(isReferenceOnly('Bearer ${A}')).toBe(true);
    expect(isReferenceOnly('Bearer abc${A}')).toBe(false);
    expect(isReferenceOnly('plain')).toBe(false);
    const r = redactServer({ uri: 'https://x/mcp', env: { K: 'literal', R: '${R}' }, transport: { headers: { Authorization: 'Bearer hunter2' } } });
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(JSON.stringify(r)).not.toContain('literal');
    expect(r.env?.R).toBe('${R}');
  });
});

describe("edgehub's own names cannot be taken (review findings)", () => {
  it("a server named 'hub' is refused: it would replace the hub mount", () => {
    const r = changes.validate({ servers: { hub: { uri: 'https://h.example/mcp', prefix: 'x' } }, kits: {} }, 'hub');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/reserved/);
  });

  it('an empty-prefix server exposing hub_* tools collides with the hub, under any self_prefix', () => {
    const cfg: HubConfig = { servers: { aaa: { uri: 'https://a.example/mcp', prefix: '' } }, kits: {} };
    expect(changes.collisions(cfg, new Map([['aaa', ['hub_add_server']]]))).toMatch(/edgehub's own tools/);
    expect(changes.collisions(cfg, new Map([['aaa', ['magg_status']]]), 'magg')).toMatch(/edgehub's own tools/);
    expect(changes.collisions(cfg, new Map([['aaa', ['search']]]))).toBeNull();
  });

  it('a kit whose server name is not a valid server name does not load', () => {
    const cfg: HubConfig = { servers: {}, kits: { k: { servers: { '@ns/pkg': { command: 'npx' } } } } };
    const r = changes.loadKit(cfg, 'k');
    expect(r.ok).toBe(false);
  });
});
