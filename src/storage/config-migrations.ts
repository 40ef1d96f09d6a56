/** The Config DO's schema migrations, bundled from migrations/*.sql (wrangler's Text rule for .sql). */
import m0001 from '../../migrations/0001_config.sql';
import m0002 from '../../migrations/0002_catalogs.sql';
import m0003 from '../../migrations/0003_health.sql';
import m0004 from '../../migrations/0004_secrets.sql';
import m0005 from '../../migrations/0005_trust.sql';
import type { Migration } from './migrations';

export const CONFIG_MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '0001_config', sql: m0001 },
  { id: 2, name: '0002_catalogs', sql: m0002 },
  { id: 3, name: '0003_health', sql: m0003 },
  { id: 4, name: '0004_secrets', sql: m0004 },
  { id: 5, name: '0005_trust', sql: m0005 },
];
