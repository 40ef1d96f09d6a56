// Runs the real `edgehub` bin (src/cli/edgehub.mjs) with node, as a user would, for e2e tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { admin, restoreConfig } from './admin';
import { ROOT } from './wrangler';

const CLI = join(ROOT, 'src', 'cli', 'edgehub.mjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/**
 * A runner with a clean environment: no EDGEHUB_* from the caller's shell, EDGEHUB_URL = `url`,
 * keys in `home`; `env` overrides per call.
 */
export function cliRunner(url: () => string, home: string) {
  return function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
    const clean = { ...process.env };
    for (const k of Object.keys(clean)) if (k.startsWith('EDGEHUB_')) delete clean[k];
    const proc = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...clean, NO_COLOR: '1', EDGEHUB_URL: url(), EDGEHUB_HOME: home, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    return new Promise((res, rej) => {
      proc.on('error', rej);
      proc.on('close', (code) => {
        let json: any = null;
        try {
          json = JSON.parse(stdout);
        } catch {
          /* a table or a PEM */
        }
        res({ code: code ?? -1, stdout, stderr, json });
      });
    });
  };
}

/**
 * The CLI for one e2e file: its own HOME (removed after the file), and the server config as it was
 * before the file put back after it (mount checks off: the file's upstreams may be gone).
 */
export function cliForFile(base: () => string, name: string) {
  const home = mkdtempSync(join(tmpdir(), `edgehub-${name}-home-`));
  let original: unknown;
  beforeAll(async () => {
    original = (await admin(base(), 'GET', '/config')).json;
  });
  afterAll(async () => {
    const r = await restoreConfig(base(), original);
    expect(r.status, r.text).toBe(200);
    rmSync(home, { recursive: true, force: true });
  });
  return cliRunner(base, home);
}
