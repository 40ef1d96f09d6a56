// `edgehub kits import` end to end: Magg kit files (test/fixtures/magg/kit.d) stored as they are
// through the real bin against the shared dev-open `wrangler dev`; progress, warnings, a failing
// file that writes nothing, --strict and --json. The config is restored at the end.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { admin } from '../helpers/admin';
import { cliForFile } from '../helpers/cli';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
const cli = cliForFile(base, 'cli-kits');

describe('edgehub kits import (Magg kit.d files)', () => {
  const kitDir = join(ROOT, 'test', 'fixtures', 'magg', 'kit.d');
  const dir = mkdtempSync(join(tmpdir(), 'edgehub-cli-kits-'));

  it('stores each file as is, named by its stem; progress and warnings on stderr; a bad file fails alone (exit 1)', async () => {
    const bad = join(dir, 'bad-kit.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad-kit', servers: { s: { uri: 'https://s.example/mcp', prefix: 'has_underscore' } } }));
    const files = [join(kitDir, 'example.json'), bad, join(kitDir, 'research.json')];
    const r = await cli(['kits', 'import', ...files]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^\[1\/3\] .*example\.json → kit 'example'$/m);
    expect(r.stderr).toMatch(/^\[2\/3\] .*bad-kit\.json → kit 'bad-kit'$/m);
    expect(r.stderr).toMatch(/^\[3\/3\] .*research\.json → kit 'research'$/m);
    expect(r.stderr).toMatch(/^warning: .*research\.json: license: unknown key 'license'/m);
    expect(r.stderr).toMatch(/bad-kit\.json: servers\.s\.prefix: prefix must match/);
    expect(r.stdout).toMatch(/^imported kit 'example' from .*example\.json \(config version \d+\)$/m);
    expect(r.stdout).toMatch(/^failed {3}.*bad-kit\.json: /m);
    for (const f of ['example', 'research']) {
      const kit = await admin(base(), 'GET', `/kits/${f}`);
      expect(kit.json).toEqual(JSON.parse(readFileSync(join(kitDir, `${f}.json`), 'utf8')));
    }
    expect((await admin(base(), 'GET', '/kits/bad-kit')).status).toBe(404);
  });

  it('--strict refuses a kit file with unknown keys and writes nothing; --json reports per file', async () => {
    const copy = join(dir, 'research-strict.json');
    writeFileSync(copy, readFileSync(join(kitDir, 'research.json')));
    const r = await cli(['kits', 'import', copy, '--strict', '--json']);
    expect(r.code).toBe(1);
    expect(r.json.imported).toEqual([
      expect.objectContaining({ kit: 'research-strict', ok: false, error: expect.stringMatching(/license: Unrecognized key/) }),
    ]);
    expect((await admin(base(), 'GET', '/kits/research-strict')).status).toBe(404);
    const ok = await cli(['kits', 'import', join(kitDir, 'example.json'), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json.imported).toEqual([expect.objectContaining({ kit: 'example', ok: true, version: expect.any(Number) })]);
  });
});
