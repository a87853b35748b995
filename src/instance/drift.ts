/**
 * @module instance/drift
 * The instance's drift records (docs/reconciliation.md): one per partner whose state disagrees
 * with the instance's, from the sweep that found it until a sweep finds agreement. The table is
 * created with the first drift, so instances that never drift never have it. Synchronous, for
 * use inside the object's transactions.
 */
import { connectorReacts } from "../delivery/plan";
import type { EventSnapshot } from "../lifecycle/event-payload";
import type { EventType } from "../lifecycle/types";
import { morTarget, type MorTarget } from "../connectors/mor/target";
import type { Row } from "./records";

const SCHEMA = `CREATE TABLE IF NOT EXISTS drift (
  connector TEXT PRIMARY KEY,
  partner_value TEXT NOT NULL,
  instance_value TEXT NOT NULL,
  since TEXT NOT NULL,
  repaired INTEGER NOT NULL DEFAULT 0,
  repair_delivery_id TEXT,
  updated_at TEXT NOT NULL
) WITHOUT ROWID`;

export interface DriftRecord {
  connector: string;
  partnerValue: string;
  instanceValue: string;
  since: string;
  /** A repair (the current state re-sent through the outbox) was queued. */
  repaired: boolean;
  repairDeliveryId: string | null;
  updatedAt: string;
}

const hasTable = (sql: SqlStorage): boolean => sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'drift'").toArray().length > 0;

const fromRow = (r: Row): DriftRecord => ({
  connector: String(r.connector),
  partnerValue: String(r.partner_value),
  instanceValue: String(r.instance_value),
  since: String(r.since),
  repaired: Number(r.repaired) === 1,
  repairDeliveryId: r.repair_delivery_id === null ? null : String(r.repair_delivery_id),
  updatedAt: String(r.updated_at),
});

export function readDrifts(sql: SqlStorage): DriftRecord[] {
  return hasTable(sql) ? sql.exec<Row>("SELECT * FROM drift ORDER BY connector").toArray().map(fromRow) : [];
}

export function readDrift(sql: SqlStorage, connector: string): DriftRecord | null {
  if (!hasTable(sql)) return null;
  const row = sql.exec<Row>("SELECT * FROM drift WHERE connector = ?", connector).toArray()[0];
  return row ? fromRow(row) : null;
}

export function writeDrift(sql: SqlStorage, d: DriftRecord): void {
  sql.exec(SCHEMA);
  sql.exec(
    `INSERT INTO drift (connector, partner_value, instance_value, since, repaired, repair_delivery_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (connector) DO UPDATE SET partner_value = excluded.partner_value, instance_value = excluded.instance_value,
       repaired = excluded.repaired, repair_delivery_id = excluded.repair_delivery_id, updated_at = excluded.updated_at`,
    d.connector,
    d.partnerValue,
    d.instanceValue,
    d.since,
    d.repaired ? 1 : 0,
    d.repairDeliveryId,
    d.updatedAt,
  );
}

export function clearDrift(sql: SqlStorage, connector: string): void {
  if (hasTable(sql)) sql.exec("DELETE FROM drift WHERE connector = ?", connector);
}

/**
 * The latest event MOR was (to be) told, with what it told: the sweep expects MOR to hold that.
 * Null when no MOR-bound event exists (the subscription was made outside the gateway).
 */
export function lastMorEvent(sql: SqlStorage): { seq: number; target: MorTarget | null } | null {
  const types = ["instance.renewed", "instance.expired", "instance.resumed", "instance.released"].filter((t) => connectorReacts("mor", t as EventType));
  const row = sql
    .exec<Row>(`SELECT seq, payload FROM events WHERE type IN (${types.map(() => "?").join(", ")}) ORDER BY seq DESC LIMIT 1`, ...types)
    .toArray()[0];
  if (!row) return null;
  const snapshot = JSON.parse(String(row.payload)) as EventSnapshot;
  return { seq: Number(row.seq), target: morTarget(snapshot) };
}
