-- Config DO schema v5: tool integrity and per-call approvals (src/policy/, storage/trust-store.ts).
-- Approved tool definitions, one per server and tool: the SHA-256 of its canonical JSON (RFC 8785)
-- and the definition itself (shown in diffs when the upstream presents another one).
CREATE TABLE IF NOT EXISTS tool_pins (
  server     TEXT NOT NULL,
  tool       TEXT NOT NULL,
  hash       TEXT NOT NULL,
  definition TEXT NOT NULL,             -- JSON: name, title, description, inputSchema, outputSchema, annotations
  pinned_at  INTEGER NOT NULL,
  pinned_by  TEXT NOT NULL,             -- 'first-mount', 'trust-auto' or the approving admin's sub
  PRIMARY KEY (server, tool)
);
-- Definitions an upstream presented that are not pinned: quarantined until an admin decides.
CREATE TABLE IF NOT EXISTS tool_pending (
  server     TEXT NOT NULL,
  tool       TEXT NOT NULL,
  hash       TEXT NOT NULL,
  definition TEXT NOT NULL,
  kind       TEXT NOT NULL,             -- 'changed' | 'new' | 'flagged'
  flags      TEXT NOT NULL,             -- JSON array of screening findings
  status     TEXT NOT NULL,             -- 'pending' | 'rejected'
  seen_at    INTEGER NOT NULL,
  PRIMARY KEY (server, tool)
);
-- Tool calls parked until an admin approves them (policy approval "admin").
CREATE TABLE IF NOT EXISTS call_approvals (
  id         TEXT PRIMARY KEY,
  server     TEXT NOT NULL,
  tool       TEXT NOT NULL,             -- exposed name
  sub        TEXT NOT NULL,
  args       TEXT NOT NULL,             -- canonical JSON of the arguments
  digest     TEXT NOT NULL,             -- SHA-256 hex of `args`
  rule       INTEGER NOT NULL,
  status     TEXT NOT NULL,             -- 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_by TEXT,
  decided_at INTEGER
);
CREATE INDEX IF NOT EXISTS call_approvals_status ON call_approvals (status, created_at);
