/**
 * @module instance/outbox
 * The instance's outbox: one row per delivery, and the rule that keeps deliveries to one partner
 * in the order the events happened.
 *
 * Per connector, at most one delivery of an instance is in flight (`pending`, with a lease); the
 * later ones are `waiting` and are queued when the one before them settles (delivered, skipped
 * or dead). Without this a partner could see a release before the renewal that preceded it: the
 * queue does not keep order, and retries reorder further. All functions run inside the caller's
 * transaction.
 */
import type { ConnectorName } from "../config";
import { deliveryFromRow, type DeliveryRecord, type DeliveryStatus, type Row } from "./records";

/** How long a queued delivery may go unreported before the alarm sends it again. */
export const DELIVERY_LEASE_MS = 15 * 60 * 1000;

/**
 * The shortest lease `RETRY_DELAY_SCALE` may produce. A consumer holds a message for up to one
 * attempt (15 s client timeout) plus its reports to the instance; a shorter lease would re-send
 * deliveries that are still being attempted.
 */
export const MIN_SCALED_LEASE_MS = 60_000;

/** The lease under a delay scale (1 in production: {@link DELIVERY_LEASE_MS}). */
export function leaseMs(scale: number): number {
  return Math.max(DELIVERY_LEASE_MS * scale, Math.min(DELIVERY_LEASE_MS, MIN_SCALED_LEASE_MS));
}

export function getDelivery(sql: SqlStorage, deliveryId: string): DeliveryRecord | null {
  const row = sql.exec<Row>("SELECT * FROM deliveries WHERE delivery_id = ?", deliveryId).toArray()[0];
  return row ? deliveryFromRow(row) : null;
}

/** True when the connector already has a delivery in flight or in line for this instance. */
export function hasOpenDelivery(sql: SqlStorage, connector: ConnectorName): boolean {
  return sql.exec("SELECT 1 FROM deliveries WHERE connector = ? AND status IN ('pending', 'waiting') LIMIT 1", connector).toArray().length > 0;
}

export function insertDelivery(
  sql: SqlStorage,
  d: { deliveryId: string; eventSeq: number; connector: ConnectorName; status: DeliveryStatus; reason: string | null; leaseUntil: number | null; at: string },
): void {
  sql.exec(
    `INSERT INTO deliveries (delivery_id, event_seq, connector, status, reason, lease_until, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    d.deliveryId, d.eventSeq, d.connector, d.status, d.reason, d.leaseUntil, d.at, d.at,
  );
}

/**
 * Puts the connector's next waiting delivery in flight, if none is. Returns its id, for the
 * caller to send once the transaction has committed.
 */
export function promoteNext(sql: SqlStorage, connector: string, leaseUntil: number, at: string): string | null {
  if (sql.exec("SELECT 1 FROM deliveries WHERE connector = ? AND status = 'pending' LIMIT 1", connector).toArray().length > 0) return null;
  const next = sql
    .exec<Row>("SELECT delivery_id FROM deliveries WHERE connector = ? AND status = 'waiting' ORDER BY event_seq, delivery_id LIMIT 1", connector)
    .toArray()[0];
  if (!next) return null;
  sql.exec("UPDATE deliveries SET status = 'pending', lease_until = ?, updated_at = ? WHERE delivery_id = ?", leaseUntil, at, next.delivery_id);
  return String(next.delivery_id);
}

/** Connectors with deliveries in line but none in flight: a repair for the alarm. */
export function stalledConnectors(sql: SqlStorage): string[] {
  return sql
    .exec<Row>(
      `SELECT DISTINCT connector FROM deliveries w WHERE status = 'waiting'
       AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.connector = w.connector AND p.status = 'pending')`,
    )
    .toArray()
    .map((r) => String(r.connector));
}

/**
 * True while the vendor delivery of `instance.provisioned` is unsettled: its reply usually brings
 * the refs other connectors need, so a delivery missing them keeps waiting for it.
 */
export function provisioningReplyPending(sql: SqlStorage): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE d.connector = 'vendor' AND e.type = 'instance.provisioned' AND d.status IN ('pending', 'waiting') LIMIT 1`,
      )
      .toArray().length > 0
  );
}

export function overdueDeliveries(sql: SqlStorage, nowMs: number): string[] {
  return sql
    .exec<Row>("SELECT delivery_id FROM deliveries WHERE status = 'pending' AND lease_until <= ?", nowMs)
    .toArray()
    .map((r) => String(r.delivery_id));
}

export function earliestLease(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM deliveries WHERE status = 'pending'").one().at;
}

export const isSettled = (status: string): boolean => status === "delivered" || status === "skipped" || status === "dead";
