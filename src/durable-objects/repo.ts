/**
 * RepoDO: one per (tenant, repository); serialises git writes (git issue). Placeholder shell so
 * the binding and migration exist from the first deploy.
 */
import { DurableObject } from 'cloudflare:workers';

export class RepoDO extends DurableObject<Env> {}
