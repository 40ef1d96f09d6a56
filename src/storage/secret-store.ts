/**
 * The `secrets` table of a tenant's ConfigDO (migrations/0004_secrets.sql): sealed values only
 * (config/secret-crypto.ts), one row per name. Plain synchronous SQL; the secret service decides
 * what may be written and records each write with its audit row in the same transaction.
 */

/** A value encrypted at rest (config/secret-crypto.ts seals and opens it). */
export interface Sealed {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

export interface SecretMeta {
  name: string;
  updatedAt: number;
  updatedBy: string;
}

export class SecretStore {
  #sql: SqlStorage;

  /** The ConfigStore has applied the migrations before this is built (same DO, same SQLite). */
  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql;
  }

  /** Names and update times, by name: never the sealed bytes. */
  list(): SecretMeta[] {
    return this.#sql
      .exec<{ name: string; updated_at: number; updated_by: string }>(`SELECT name, updated_at, updated_by FROM secrets ORDER BY name`)
      .toArray()
      .map((r) => ({ name: r.name, updatedAt: r.updated_at, updatedBy: r.updated_by }));
  }

  count(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM secrets`).one().n;
  }

  has(name: string): boolean {
    return this.#sql.exec(`SELECT 1 FROM secrets WHERE name = ?`, name).toArray().length > 0;
  }

  /** The sealed values of these names (absent names are missing from the map). */
  sealed(names: Iterable<string>): Map<string, Sealed> {
    const out = new Map<string, Sealed>();
    for (const name of names) {
      const row = this.#sql.exec<{ iv: ArrayBuffer; ciphertext: ArrayBuffer }>(`SELECT iv, ciphertext FROM secrets WHERE name = ?`, name).toArray()[0];
      if (row) out.set(name, { iv: new Uint8Array(row.iv), ciphertext: new Uint8Array(row.ciphertext) });
    }
    return out;
  }

  put(name: string, sealed: Sealed, actor: string, now = Date.now()): void {
    this.#sql.exec(
      `INSERT INTO secrets (name, iv, ciphertext, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET iv = excluded.iv, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      name,
      bytes(sealed.iv),
      bytes(sealed.ciphertext),
      now,
      actor,
    );
  }

  delete(name: string): void {
    this.#sql.exec(`DELETE FROM secrets WHERE name = ?`, name);
  }
}

/** SQLite binds ArrayBuffers: the view's own bytes, never its whole backing buffer. */
function bytes(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}
