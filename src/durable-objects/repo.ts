/**
 * RepoDO: one per (tenant, repository), named `${tenant}:${repo}`. It is the single writer of
 * that repository: refs, HEAD, index and working tree in its SQLite, objects write-behind to R2
 * (see src/git/repo.ts and src/git/storage/). A thin shell: every public method is reachable
 * over RPC and delegates in one line to RepoService.
 */
import { DurableObject } from 'cloudflare:workers';
import { type RepoCall, RepoService, type SmartRequest } from '../git/service';

export class RepoDO extends DurableObject<Env> {
  #service: RepoService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#service = new RepoService(ctx.storage, env);
  }

  call(input: RepoCall) {
    return this.#service.call(input);
  }

  /** smart HTTP for native git: ref advertisement (`kind: 'advertise'`) or a pack exchange. */
  smart(req: SmartRequest, kind: 'advertise' | 'pack') {
    return this.#service.smart(req, kind);
  }

  override async alarm() {
    await this.#service.flush();
  }
}
