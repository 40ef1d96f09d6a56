/** The Config DO's schema migrations, bundled from migrations/*.sql (wrangler's Text rule for .sql). */
import m0001 from '../../migrations/0001_config.sql';
import type { Migration } from '../storage/migrations';

export const CONFIG_MIGRATIONS: readonly Migration[] = [{ id: 1, name: '0001_config', sql: m0001 }];
