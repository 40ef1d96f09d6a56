/**
 * An upstream grant was made or revoked: the principal's sessions (legacy lane) reconnect that
 * server with it and get list_changed (its tools arrive once someone can list them), and the
 * tenant's 2026-07-28 listen streams are told the lists changed. A shared grant concerns every
 * session of the tenant. Best effort: a session that misses it relists within a second anyway.
 */
import { log } from '../observability/log';
import { configStub, sessionStub } from '../utils/do-stubs';

/** `elicitationId`: the URL elicitation the grant answers (its sessions get notifications/elicitation/complete). */
export async function notifyGrant(env: Env, tenant: string, sub: string, server: string, elicitationId?: string): Promise<void> {
  const config = configStub(env, tenant);
  try {
    const sessions = (await config.sessions()).filter((s) => s.lane === 'legacy' && (sub === '' || s.sub === sub));
    await Promise.allSettled(sessions.map((s) => sessionStub(env, tenant, s.sessionId).grantChanged(server, elicitationId)));
    await config.listChanged(['tools', 'resources', 'prompts']);
  } catch (e) {
    log.warn('grant change fan-out failed', { tenant, upstream: server, error: e });
  }
}
