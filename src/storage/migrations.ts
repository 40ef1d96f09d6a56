/**
 * Applies numbered SQL migrations (migrations/NNNN_name.sql) to a Durable Object's SQLite, in
 * order, each once, recording them in `_migrations`. A fresh store gets all of them; an upgraded
 * store gets the missing ones. Each migration runs in one transaction with its record.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function applyMigrations(storage: DurableObjectStorage, migrations: readonly Migration[]): number[] {
  const sql = storage.sql;
  sql.exec(`CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const done = new Set(
    sql
      .exec<{ id: number }>(`SELECT id FROM _migrations`)
      .toArray()
      .map((r) => r.id),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    storage.transactionSync(() => {
      for (const stmt of splitStatements(m.sql)) sql.exec(stmt);
      sql.exec(`INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)`, m.id, m.name, Date.now());
    });
    applied.push(m.id);
  }
  return applied;
}

/** Splits a SQL file into statements: strips `--` comments, splits on `;` at line ends. */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/--.*$/, ''))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
