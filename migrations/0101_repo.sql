-- Repo DO schema v1 (one DO per tenant:repository). Layout, invariants and trade-offs are documented
-- in the headers of src/git/storage/files.ts, refs.ts and objects.ts.
CREATE TABLE IF NOT EXISTS repo_meta (
  k TEXT PRIMARY KEY,                    -- 'tenant', 'repo', 'created_at'
  v TEXT NOT NULL
);
-- The working tree and every non-object file under .git/ (HEAD, refs/**, packed-refs, index,
-- config, shallow, MERGE_HEAD, transient packs). Paths are relative to the repository root.
CREATE TABLE IF NOT EXISTS files (
  path     TEXT PRIMARY KEY,             -- '' is the root directory; no leading '/'
  type     INTEGER NOT NULL,             -- 1 file, 2 directory, 3 symlink
  mode     INTEGER NOT NULL,             -- st_mode (0o100644, 0o100755, 0o40000, 0o120000)
  size     INTEGER NOT NULL,
  mtime_us INTEGER NOT NULL,             -- µs; strictly increasing per write (stable stat, no racy git)
  ino      INTEGER NOT NULL,             -- new on every write
  chunks   INTEGER NOT NULL DEFAULT 0,   -- 0: content in `data`; n > 0: content in file_chunks
  data     BLOB
);
CREATE TABLE IF NOT EXISTS file_chunks (
  ino  INTEGER NOT NULL,
  seq  INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (ino, seq)
);
-- Every git object this repository knows. `data` is the zlib-deflated loose object (git's own
-- loose format) or NULL when only R2 holds it (evicted, or too large for a row).
CREATE TABLE IF NOT EXISTS objects (
  oid     TEXT PRIMARY KEY,
  size    INTEGER NOT NULL,              -- deflated bytes
  pending INTEGER NOT NULL,              -- 1: not yet copied to R2 (write-behind), never evicted
  used_at INTEGER NOT NULL,              -- coarse last-use time (ms) for eviction
  data    BLOB
);
CREATE INDEX IF NOT EXISTS objects_pending ON objects (pending) WHERE pending = 1;
CREATE INDEX IF NOT EXISTS objects_cached ON objects (used_at) WHERE data IS NOT NULL;
