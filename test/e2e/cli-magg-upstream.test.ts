// Magg's own config.json and kit files (test/fixtures/magg-upstream, see its NOTICE.md) through
// the real `edgehub` bin against the shared dev-open `wrangler dev`: `config import` then
// `config export` gives each file back (NORMALISED lists the documented differences), files Magg
// cannot read are refused, `kits import` stores the kit files as they are and `kits load
// --no-check` adds a kit's servers. Mount checks are off: the files name upstreams that do not
// exist here. The config is restored at the end.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { admin } from '../helpers/admin';
import { cliForFile } from '../helpers/cli';
import { expectedExport, maggConfigs, maggFile, maggKits } from '../helpers/magg-upstream';
import { ROOT } from '../helpers/wrangler';

const base = () => inject('edgehubUrl');
const cli = cliForFile(base, 'cli-magg');
const path = (file: string) => join(ROOT, 'test', 'fixtures', 'magg-upstream', file);

describe("edgehub config import|export with Magg's config.json files", () => {
  it('each file Magg loads imports and exports back unchanged', async () => {
    for (const e of maggConfigs.filter((x) => x.expect === 'ok')) {
      const imp = await cli(['config', 'import', path(e.file), '--no-check']);
      expect(imp.code, `${e.file}: ${imp.stderr}`).toBe(0);
      const exp = await cli(['config', 'export']);
      expect(exp.code, exp.stderr).toBe(0);
      expect(JSON.parse(exp.stdout), e.file).toEqual(expectedExport(e, readFileSync(path(e.file), 'utf8')));
    }
  });

  it('each file Magg cannot read is refused, naming the file; nothing is written', async () => {
    const before = await admin(base(), 'GET', '/config');
    for (const e of maggConfigs.filter((x) => x.expect === 'refused')) {
      const imp = await cli(['config', 'import', path(e.file)]);
      expect(imp.code, e.file).not.toBe(0);
      expect(imp.stderr).toContain(`${path(e.file)} is not valid JSON`);
    }
    expect((await admin(base(), 'GET', '/config')).headers.get('etag')).toBe(before.headers.get('etag'));
  });
});

describe("edgehub kits import|load with Magg's kit files", () => {
  it('stores every kit file Magg reads as it is (named by its stem); files Magg cannot read fail alone (exit 1)', async () => {
    const r = await cli(['kits', 'import', ...maggKits.map((e) => path(e.file)), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const byKit = Object.fromEntries(r.json.imported.map((x: { kit: string }) => [x.kit, x]));
    for (const e of maggKits) {
      const stem = basename(e.file, '.json');
      expect(byKit[stem]?.ok, `${e.file}: ${byKit[stem]?.error}`).toBe(e.expect === 'ok');
      const got = await admin(base(), 'GET', '/config');
      if (e.expect === 'ok') expect(got.json.kits[stem], e.file).toEqual(JSON.parse(readFileSync(path(e.file), 'utf8')));
      else expect(got.json.kits[stem], e.file).toBeUndefined();
    }
  });

  it('kits load --no-check adds the servers of a kit whose HTTP upstream is not up (as Magg saves before mounting)', async () => {
    const e = maggFile('kits/docs-index-web-tools.json');
    expect((await cli(['kits', 'import', path(e.file)])).code).toBe(0);
    const checked = await cli(['kits', 'load', 'docs-index-web-tools']);
    expect(checked.code).not.toBe(0);
    expect(checked.stderr).toMatch(/mounting 'scraper' failed/);
    const r = await cli(['kits', 'load', 'docs-index-web-tools', '--no-check']);
    expect(r.code, r.stderr).toBe(0);
    const servers = (await admin(base(), 'GET', '/config')).json.servers;
    expect(servers.playwright).toMatchObject({ command: 'npx', kits: ['docs-index-web-tools'], enabled: true });
    expect(servers.scraper).toMatchObject({ uri: 'http://localhost:8080/mcp', kits: ['docs-index-web-tools'], enabled: true });
  });
});
