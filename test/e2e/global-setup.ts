// One shared `wrangler dev` for the e2e files (tests needing their own instance start one).
import type { TestProject } from 'vitest/node';
import { type DevServer, startDev } from '../helpers/wrangler';

let dev: DevServer | undefined;

export async function setup(project: TestProject) {
  // Health probes would add upstream connections that tests counting initializes must not see.
  dev = await startDev({ vars: { HEALTH_INTERVAL_SECONDS: '3600' } });
  project.provide('edgehubUrl', dev.url);
}

export async function teardown() {
  await dev?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    edgehubUrl: string;
  }
}
