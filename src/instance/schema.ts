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
  updated_at TEXT NOT NULL,
  market_time INTEGER,
  owner TEXT
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
  payload TEXT NOT NULL,
  market_time INTEGER
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
  attempt_claim_until INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces (
  nonce TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Brings tables written by an earlier version up to SCHEMA. Columns are only ever added, so a
 * missing column is the whole test. `owner` starts from the ap_guid that subscription/create and
 * user/create kept in the plan, so instances created before owners were recorded stay bound to
 * the installation that created them.
 */
export function migrateSchema(sql: SqlStorage): void {
  const columns = (table: string) =>
    new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table)
        .toArray()
        .map((r) => r.name),
    );
  // A table that does not exist yet is created whole by SCHEMA: nothing to add to it.
  const instance = columns("instance");
  if (instance.size > 0 && !instance.has("market_time")) sql.exec("ALTER TABLE instance ADD COLUMN market_time INTEGER");
  if (instance.size > 0 && !instance.has("owner")) {
    sql.exec("ALTER TABLE instance ADD COLUMN owner TEXT");
    sql.exec(
      `UPDATE instance SET owner = NULLIF(lower(trim(json_extract(plan, '$.apGuid'))), '')
       WHERE source = 'activeplatform' AND json_type(plan, '$.apGuid') = 'text'`,
    );
  }
  const events = columns("events");
  if (events.size > 0 && !events.has("market_time")) sql.exec("ALTER TABLE events ADD COLUMN market_time INTEGER");
  const deliveries = columns("deliveries");
  if (deliveries.size > 0 && !deliveries.has("unreported_sends")) sql.exec("ALTER TABLE deliveries ADD COLUMN unreported_sends INTEGER NOT NULL DEFAULT 0");
  if (deliveries.size > 0 && !deliveries.has("attempt_claim_until")) sql.exec("ALTER TABLE deliveries ADD COLUMN attempt_claim_until INTEGER");
}

export function schemaExists(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance'").toArray().length > 0;
}
