/**
 * @module ops/relay
 * How an object that causes an operational event (an instance whose delivery died, a connector
 * that was paused) hands it to the ops outbox without losing it: the event is staged as a row in
 * the object's own SQLite inside the transaction that causes it, relayed to the ops outbox after
 * the commit, and deleted once the outbox has it. Whatever could not be relayed stays staged and
 * is tried again by the object's alarm; the outbox ignores an id it already holds.
 *
 * The table is created with the first staged event, so objects that never emit one never have it.
 */
import type { Bindings } from "../bindings";
import { opsEnabled } from "../config";
import type { OpsEvent } from "./events";
import { rpcClient } from "../rpc";

/** How soon an object tries again to relay what it could not. */
export const RELAY_RETRY_MS = 30_000;
const RELAY_BATCH = 50;

const SCHEMA = "CREATE TABLE IF NOT EXISTS ops_relay (id TEXT PRIMARY KEY, payload TEXT NOT NULL, staged_ms INTEGER NOT NULL) WITHOUT ROWID";

/** Stages events inside the caller's transaction. A no-op while operational events are off. */
export function stageOpsEvents(sql: SqlStorage, env: Bindings, events: OpsEvent[], nowMs: number): boolean {
  if (events.length === 0 || !opsEnabled(env)) return false;
  sql.exec(SCHEMA);
  for (const e of events) sql.exec("INSERT OR IGNORE INTO ops_relay (id, payload, staged_ms) VALUES (?, ?, ?)", e.id, JSON.stringify(e), nowMs);
  return true;
}

export function hasRelayTable(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ops_relay'").toArray().length > 0;
}

export const opsOutbox = (env: Bindings) => rpcClient(env.OPS_OUTBOX, "ops");

/**
 * Hands staged events to the ops outbox, oldest first. True when nothing is left staged; false
 * when some remain (the outbox could not be reached, or more than one batch was staged).
 */
export async function relayStagedOpsEvents(sql: SqlStorage, env: Bindings): Promise<boolean> {
  if (!hasRelayTable(sql)) return true;
  const rows = sql.exec<{ id: string; payload: string }>("SELECT id, payload FROM ops_relay ORDER BY staged_ms, id LIMIT ?", RELAY_BATCH).toArray();
  if (rows.length === 0) return true;
  try {
    await opsOutbox(env).emit(rows.map((r) => JSON.parse(r.payload) as OpsEvent));
  } catch (err) {
    console.error({ msg: "ops events not relayed; will retry", events: rows.length, error: err instanceof Error ? err.message : String(err) });
    return false;
  }
  for (const r of rows) sql.exec("DELETE FROM ops_relay WHERE id = ?", r.id);
  return rows.length < RELAY_BATCH;
}
