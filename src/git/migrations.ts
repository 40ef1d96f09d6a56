/** The Repo DO's schema migrations, bundled from migrations/01xx_*.sql (wrangler's Text rule for .sql). */
import m0101 from '../../migrations/0101_repo.sql';
import m0102 from '../../migrations/0102_pack_ready_objects.sql';
import m0103 from '../../migrations/0103_protected_branches.sql';
import type { Migration } from '../storage/migrations';

export const REPO_MIGRATIONS: readonly Migration[] = [
  { id: 101, name: '0101_repo', sql: m0101 },
  { id: 102, name: '0102_pack_ready_objects', sql: m0102 },
  { id: 103, name: '0103_protected_branches', sql: m0103 },
];
