-- Config DO schema v4: the tenant's secret store. Values are AES-GCM ciphertext under a key derived
-- from the Worker secret SECRETS_KEY and this tenant (config/secret-crypto.ts); never plaintext.
CREATE TABLE IF NOT EXISTS secrets (
  name       TEXT PRIMARY KEY,
  iv         BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
