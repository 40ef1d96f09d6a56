// The official conformance suite (@modelcontextprotocol/conformance) against the fixture upstream
// directly and through edgehub (fixture mounted with an empty prefix), for 2025-11-25 and
// 2026-07-28. Each run must match its baseline file exactly (exit 0): a new failure or a stale
// baseline entry fails the test.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, mount } from '../helpers/admin';
import { type Proc, startFixture } from '../helpers/procs';
import { ROOT } from '../helpers/wrangler';

const SUITE_2026 = join(ROOT, 'node_modules', 'conformance-2026', 'dist', 'index.js');
const SUITE_2025 = join(ROOT, 'node_modules', 'conformance-2025', 'dist', 'index.js');
let fixture: Proc;

function run(suite: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [suite, 'server', ...args], { cwd: ROOT, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
    });
  });
}

function summary(out: string): string {
  return out
    .split('\n')
    .filter((l) => /✗|Total|Unexpected|Stale|FAILURE/.test(l))
    .slice(0, 60)
    .join('\n');
}

beforeAll(async () => {
  fixture = await startFixture('conformance');
  await mount(inject('edgehubUrl'), 'conformance', { uri: `${fixture.url}/mcp`, prefix: '' });
}, 60_000);

afterAll(async () => {
  await admin(inject('edgehubUrl'), 'DELETE', '/servers/conformance');
  await fixture?.stop();
});

const cases = [
  { rev: '2025-11-25', baseline: 'baseline-direct-2025.yml', target: 'direct' },
  { rev: '2026-07-28', baseline: 'baseline-direct-2026.yml', target: 'direct' },
  { rev: '2025-11-25', baseline: 'baseline-edgehub-2025.yml', target: 'edgehub' },
  { rev: '2026-07-28', baseline: 'baseline-edgehub-2026.yml', target: 'edgehub' },
] as const;

describe('conformance suite 0.2.0-alpha (requirement sets)', () => {
  for (const c of cases)
    it(`${c.target} @ ${c.rev} matches ${c.baseline}`, { timeout: 240_000 }, async () => {
      const url = c.target === 'direct' ? `${fixture.url}/mcp` : `${inject('edgehubUrl')}/mcp`;
      const outDir = mkdtempSync(join(tmpdir(), 'conformance-'));
      const r = await run(SUITE_2026, [
        '--url',
        url,
        '--requirements',
        c.rev,
        '--expected-failures',
        join(ROOT, 'test', 'conformance', c.baseline),
        '-o',
        outDir,
      ]);
      expect(r.code, summary(r.out)).toBe(0);
      expect(r.out).toMatch(/Total: \d+ passed/);
    });
});

// Unscored extension scenarios (io.modelcontextprotocol/tasks, SEP-2663): the fixture implements the
// extension (test/fixtures/conformance/tasks.mjs); edgehub forwards it on the modern lane.
const TASK_SCENARIOS = [
  'tasks-lifecycle',
  'tasks-capability-negotiation',
  'tasks-wire-fields',
  'tasks-request-state-removal',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-dispatch-and-envelope',
  'tasks-required-task-error',
  'tasks-mrtr-composition',
];

describe('conformance suite 0.2.0-alpha: tasks extension scenarios', () => {
  for (const target of ['direct', 'edgehub'] as const)
    it(`${target}: every tasks-* scenario passes`, { timeout: 240_000 }, async () => {
      const url = target === 'direct' ? `${fixture.url}/mcp` : `${inject('edgehubUrl')}/mcp`;
      let checks = 0;
      for (const scenario of TASK_SCENARIOS) {
        const r = await run(SUITE_2026, ['--url', url, '--scenario', scenario]);
        const m = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(r.out);
        expect(m, `${scenario}\n${r.out.slice(-1500)}`).not.toBeNull();
        expect({ scenario, failed: Number(m![3]), warnings: Number(m![4]), passed: m![1] === m![2] }, r.out.slice(-3000)).toEqual({
          scenario,
          failed: 0,
          warnings: 0,
          passed: true,
        });
        checks += Number(m![2]);
      }
      expect(checks).toBeGreaterThanOrEqual(35); // the scenarios really ran their checks
    });
});

describe('conformance suite 0.1.16 (2025 active suite)', () => {
  it('edgehub passes every active scenario', { timeout: 240_000 }, async () => {
    const r = await run(SUITE_2025, ['--url', `${inject('edgehubUrl')}/mcp`, '--suite', 'active']);
    expect(r.code, summary(r.out)).toBe(0);
    expect(r.out).toMatch(/Total: \d+ passed, 0 failed/);
  });
});
