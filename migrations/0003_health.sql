-- Config DO schema v3: last health probe per upstream (written by the health alarm).
CREATE TABLE IF NOT EXISTS health (
  server     TEXT PRIMARY KEY,
  ok         INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  tools      INTEGER,
  error      TEXT,
  checked_at INTEGER NOT NULL
);
