/**
 * ConfigDO: one per tenant, the single writer of that tenant's configuration (see
 * config/service.ts for the rules and storage/config-store.ts for the layout). A thin shell:
 * every public method is reachable over RPC and delegates in one line.
 */
import { DurableObject } from 'cloudflare:workers';
import { ConfigService } from '../config/service';
import { ConfigStore } from '../storage/config-store';

export class ConfigDO extends DurableObject<Env> {
  #svc: ConfigService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#svc = new ConfigService(new ConfigStore(ctx.storage), env);
  }

  snapshot(known: number) {
    return this.#svc.snapshot(known);
  }
  registerSession(id: string, sub: string, lane: string) {
    return this.#svc.registerSession(id, sub, lane);
  }
  unregisterSession(id: string) {
    return this.#svc.unregisterSession(id);
  }
  sessions() {
    return this.#svc.sessions();
  }
}
