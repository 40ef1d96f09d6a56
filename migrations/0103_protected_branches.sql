-- Repo DO schema v3: protected branches (src/git/protect.ts). A protected branch cannot be deleted
-- or moved to a commit that does not descend from its current tip, by native push or by tools.
CREATE TABLE IF NOT EXISTS protected_refs (
  ref        TEXT PRIMARY KEY,           -- 'refs/heads/main'
  created_at INTEGER NOT NULL
);
