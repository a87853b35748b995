/**
 * @module instance/schema
 * The InstanceObject's SQLite schema.
 *
 * `events` is both the history and the idempotency ledger: the ledger is its `event_key` index
 * (the latest row per key holds the answer given). One table instead of two saves a row write
 * per applied event. `WITHOUT ROWID` tables keyed by text store the row in the key's b-tree, so
 * an insert is one write, not two.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS instance (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key TEXT NOT NULL,
  source TEXT NOT NULL,
  external_id TEXT NOT NULL,
  state TEXT NOT NULL,
  plan TEXT NOT NULL,
  expires_at TEXT,
  refs TEXT NOT NULL,
  app_info TEXT NOT NULL,
  test INTEGER NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  event_key TEXT NOT NULL,
  scope TEXT NOT NULL,
  type TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  test INTEGER NOT NULL,
  answer TEXT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_key ON events (event_key);
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY,
  event_seq INTEGER NOT NULL,
  connector TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  attempt_log TEXT NOT NULL DEFAULT '[]',
  lease_until INTEGER,
  unreported_sends INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces (
  nonce TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Brings tables created by an earlier version up to {@link SCHEMA}. Cheap when there is nothing to
 * do (one read of the table's columns), so it runs whenever an object with tables starts.
 */
export function migrateSchema(sql: SqlStorage): void {
  const has = sql.exec("SELECT 1 FROM pragma_table_info('deliveries') WHERE name = 'unreported_sends'").toArray().length > 0;
  if (!has) sql.exec("ALTER TABLE deliveries ADD COLUMN unreported_sends INTEGER NOT NULL DEFAULT 0");
}

export function schemaExists(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance'").toArray().length > 0;
}
