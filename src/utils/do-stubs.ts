/**
 * Every Durable Object stub is made here, so each object's naming scheme has one home:
 *   ConfigDO  `{tenant}`               one per tenant: configuration, secrets, session registry
 *   SessionDO `{tenant}:{sessionId}`   one per 2025-lane session
 *   RepoDO    `{tenant}:{repo}`        one per git repository
 *   ConnectorDO `{tenant}:{name}`      one per connector (`edgehub connect --name`)
 *   VaultDO   `{tenant}\0{sub}`        one per principal: upstream OAuth grants (src/vault/)
 * Stubs are typed against the DO classes through `Env` (wrangler types), so an RPC call that does
 * not exist on the class fails type-checking.
 */
export function configStub(env: Env, tenant: string) {
  return env.CONFIG.get(env.CONFIG.idFromName(tenant));
}

export function sessionStub(env: Env, tenant: string, sessionId: string) {
  return env.SESSION.get(env.SESSION.idFromName(`${tenant}:${sessionId}`));
}

export function repoStub(env: Env, tenant: string, repo: string) {
  return env.REPO.get(env.REPO.idFromName(`${tenant}:${repo}`));
}

export function connectorStub(env: Env, tenant: string, name: string) {
  return env.CONNECTOR.get(env.CONNECTOR.idFromName(`${tenant}:${name}`));
}

/** VaultDO `{tenant}\0{sub}`: one per principal's upstream grants; `{tenant}\0` (empty sub) is the tenant's shared vault. */
export function vaultStub(env: Env, tenant: string, sub: string) {
  return env.VAULT.get(env.VAULT.idFromName(`${tenant}\u0000${sub}`));
}
