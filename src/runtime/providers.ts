/** The provider factories of this build: built-in servers (upstream clients are registered by the lanes). */

import { ProviderPool } from '../gateway/providers';
import { GitProvider } from '../git/provider';

export function providerPool(env: Env, tenant: string): ProviderPool {
  void tenant; // built-in servers take the tenant from each request's principal
  return new ProviderPool({
    builtin: (name, server) => (server.uri === 'builtin:git' ? new GitProvider(name, env) : `unknown built-in server ${server.uri}`),
  });
}
