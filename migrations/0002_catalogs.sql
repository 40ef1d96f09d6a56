-- Config DO schema v2: tool names each server was last seen to expose (mount checks), used to
-- refuse exposed-name collisions before a change is committed.
CREATE TABLE IF NOT EXISTS catalogs (
  server     TEXT PRIMARY KEY,
  tools      TEXT    NOT NULL,          -- JSON array of the server's own tool names
  checked_at INTEGER NOT NULL
);
