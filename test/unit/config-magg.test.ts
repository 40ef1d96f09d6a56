// Magg's config forms: accepted as they are, unknown keys kept with warnings (refused in strict
// mode), Magg's settings validated (self_prefix, prefix_sep), kits in the legacy list form.
import { describe, expect, it } from 'vitest';
import * as changes from '../../src/config/changes';
import { parseConfig, parseKit, parseServer } from '../../src/config/parse';
import { type HubConfig, kitMap, prefixSep, selfPrefix } from '../../src/config/schema';
import { exposedName } from '../../src/mcp/naming';
import legacyKits from '../fixtures/magg/config-legacy-kits.json';
import quirks from '../fixtures/magg/config-quirks.json';
import saved from '../fixtures/magg/config-saved.json';
import exampleKit from '../fixtures/magg/kit.d/example.json';
import researchKit from '../fixtures/magg/kit.d/research.json';

describe('Magg config forms', () => {
  it('each fixture parses to itself (no key added, none dropped)', () => {
    for (const cfg of [saved, legacyKits, quirks]) {
      const r = parseConfig(cfg);
      expect(r.ok && r.value).toEqual(cfg);
    }
    for (const kit of [exampleKit, researchKit]) {
      const r = parseKit(kit);
      expect(r.ok && r.value).toEqual(kit);
    }
  });

  it('unknown keys are kept and reported with their path; Magg settings and kit fields are not', () => {
    const r = parseConfig(quirks);
    expect(r.ok && r.warnings).toEqual([
      { path: 'servers.remote.added_by', message: expect.stringMatching(/unknown key 'added_by'/) },
      { path: 'kits.tools.loaded_at', message: expect.stringMatching(/unknown key 'loaded_at'/) },
    ]);
    const typo = parseConfig({ servers: { web: { uri: 'https://w.example/mcp', transport: { hedaers: { A: 'b' } } } }, colour: 1 });
    expect(typo.ok && typo.value).toMatchObject({ colour: 1, servers: { web: { transport: { hedaers: { A: 'b' } } } } });
    expect(typo.ok && typo.warnings.map((w) => w.path)).toEqual(['colour', 'servers.web.transport.hedaers']);
    expect(parseKit(researchKit).ok && (parseKit(researchKit) as { warnings: unknown[] }).warnings).toEqual([{ path: 'license', message: expect.any(String) }]);
    const server = parseServer({ uri: 'https://x/mcp', transport: { hedaers: {} } });
    expect(server.ok && server.warnings.map((w) => w.path)).toEqual(['transport.hedaers']);
  });

  it('strict mode refuses the first unknown key with its path', () => {
    const r = parseConfig({ servers: { web: { uri: 'https://w.example/mcp', transport: { hedaers: {} } } } }, { strict: true });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.path).toBe('servers.web.transport.hedaers');
    expect(!r.ok && r.error).toMatch(/servers\.web\.transport\.hedaers: Unrecognized key/);
    expect(parseConfig(saved, { strict: true }).ok).toBe(true);
    expect(parseConfig(quirks, { strict: true }).ok).toBe(false);
    expect(changes.putKit({ servers: {} }, 'research', researchKit, { strict: true })).toMatchObject({ ok: false, status: 400, field: 'license' });
  });

  it('self_prefix must be a prefix; prefix_sep must keep names valid and splittable', () => {
    expect(parseConfig({ self_prefix: 'magg' }).ok).toBe(true);
    for (const bad of ['', 'my_app', '1abc', 'a:b']) {
      const r = parseConfig({ self_prefix: bad });
      expect(!r.ok && r.path, bad).toBe('self_prefix');
    }
    for (const good of ['_', '__', '-_', '_-_']) expect(parseConfig({ prefix_sep: good }).ok, good).toBe(true);
    const colon = parseConfig({ prefix_sep: ':' });
    expect(!colon.ok && colon.path).toBe('prefix_sep');
    expect(!colon.ok && colon.error).toMatch(/\^\[a-zA-Z0-9_-\]\{1,64\}\$/);
    const dash = parseConfig({ prefix_sep: '-' });
    expect(!dash.ok && dash.error).toMatch(/prefix_sep '-' cannot be used: prefixes may contain .*unambiguously/);
    for (const bad of ['', '.', '____', 'x_']) expect(parseConfig({ prefix_sep: bad }).ok, bad).toBe(false);
  });

  it('a separator joins prefix and tool, and the name splits back at its first `_`', () => {
    expect(exposedName('search', 'find', '__')).toBe('search__find');
    expect(exposedName('my-srv', 'do_it', '-_')).toBe('my-srv-_do_it');
    const name = exposedName('my-srv', 'do_it', '-_');
    const cut = name.indexOf('_') - '-_'.indexOf('_');
    expect([name.slice(0, cut), name.slice(cut + 2)]).toEqual(['my-srv', 'do_it']);
    const cfg: HubConfig = { servers: {}, self_prefix: 'magg', prefix_sep: '__' };
    expect([selfPrefix(cfg), prefixSep(cfg), selfPrefix({ servers: {} }), prefixSep({ servers: {} })]).toEqual(['magg', '__', 'hub', '_']);
  });

  it('the self prefix is reserved for the hub: a server may not take it', () => {
    const cfg = parseConfig({ servers: { m: { uri: 'https://m.example/mcp', prefix: 'magg' } }, self_prefix: 'magg' });
    if (!cfg.ok) throw new Error(cfg.error);
    expect(changes.validate(cfg.value, selfPrefix(cfg.value))).toMatchObject({ ok: false, field: 'servers.m.prefix' });
    expect(changes.validate({ ...cfg.value, self_prefix: undefined }, selfPrefix({ ...cfg.value, self_prefix: undefined })).ok).toBe(true);
  });
});

describe('kits in the legacy list form', () => {
  const cfg = legacyKits as HubConfig;
  it('read as kits with a name and source "legacy", as Magg loads them', () => {
    expect(kitMap(cfg)).toEqual({
      kit1: { name: 'kit1', source: 'legacy' },
      kit2: { name: 'kit2', source: 'legacy' },
      kit3: { name: 'kit3', source: 'legacy' },
    });
  });
  it('putting a kit turns the list into a map; deleting one keeps the others', () => {
    const put = changes.putKit(cfg, 'example', exampleKit);
    expect(put.ok && put.config.kits).toEqual({ ...kitMap(cfg), example: exampleKit });
    const del = changes.deleteKit(cfg, 'kit2');
    expect(del.ok && Object.keys(kitMap(del.config))).toEqual(['kit1', 'kit3']);
    expect(changes.deleteKit(cfg, 'nope')).toMatchObject({ ok: false, status: 404 });
  });
  it('a kit file loads: its servers are added and tagged with the kit', () => {
    const put = changes.putKit({ servers: {} }, 'example', exampleKit);
    if (!put.ok) throw new Error(put.error);
    const loaded = changes.loadKit(put.config, 'example');
    expect(loaded.ok && loaded.config.added).toEqual(['filesystem', 'memory']);
    expect(loaded.ok && loaded.config.config.servers.memory).toMatchObject({ command: 'npx', kits: ['example'], enabled: true });
  });
});
