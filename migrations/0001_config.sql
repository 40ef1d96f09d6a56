-- Config DO schema v1: versioned configuration, audit log, live-session registry.
CREATE TABLE IF NOT EXISTS config_versions (
  version    INTEGER PRIMARY KEY,
  config     TEXT    NOT NULL,          -- validated Magg-compatible config JSON
  created_at INTEGER NOT NULL,
  actor      TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor          TEXT    NOT NULL,
  action         TEXT    NOT NULL,      -- e.g. server.add, config.put, kit.load
  target         TEXT,
  version_before INTEGER NOT NULL,
  version_after  INTEGER NOT NULL,      -- equals version_before when the change failed
  ok             INTEGER NOT NULL,      -- 1 applied, 0 refused/failed
  detail         TEXT                   -- JSON: what changed or why it failed (secrets redacted)
);
CREATE TABLE IF NOT EXISTS sessions (
  session_id   TEXT PRIMARY KEY,
  sub          TEXT    NOT NULL,
  lane         TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
