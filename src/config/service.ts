/**
 * The configuration service of one tenant (runs inside its ConfigDO).
 * Seeds the embedded default config on first use; later issues add validated, audited changes.
 */
import { ConfigStore } from '../storage/config-store';
import defaultConfig from './default-config.json';
import { parseConfig, type ConfigSnapshot } from './schema';

export class ConfigService {
  constructor(
    private readonly store: ConfigStore,
    private readonly env: Env,
  ) {}

  snapshot(known: number): ConfigSnapshot | null {
    const cur = this.#current();
    return cur.version === known ? null : cur;
  }

  registerSession(id: string, sub: string, lane: string): void {
    this.store.upsertSession(id, sub, lane);
  }
  unregisterSession(id: string): void {
    this.store.removeSession(id);
  }
  sessions() {
    return this.store.sessions();
  }

  #current(): ConfigSnapshot {
    const cur = this.store.current();
    if (cur) return cur;
    const parsed = parseConfig(defaultConfig);
    if (!parsed.ok) throw new Error(`embedded default config is invalid: ${parsed.error}`);
    const seeded = this.store.commit(0, parsed.value, { actor: 'system', action: 'config.seed', ok: true, detail: { source: 'default-config.json' } });
    if (!seeded) throw new Error('config seed raced');
    void this.env;
    return seeded;
  }
}
