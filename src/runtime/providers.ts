/** The provider factories of this build: built-in servers and upstream clients. */
import { ProviderPool } from '../gateway/providers';

export function providerPool(env: Env, tenant: string): ProviderPool {
  void env;
  void tenant;
  return new ProviderPool({});
}
