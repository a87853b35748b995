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

export function getDelivery(sql: SqlStorage, deliveryId: string): DeliveryRecord | null {
  const row = sql.exec<Row>("SELECT * FROM deliveries WHERE delivery_id = ?", deliveryId).toArray()[0];
  return row ? deliveryFromRow(row) : null;
}

/** True when the connector already has a delivery in flight or in line for this instance. */
export function hasOpenDelivery(sql: SqlStorage, connector: ConnectorName): boolean {
  return hasOpen(openEntries(sql), connector);
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
  const next = nextInLine(openEntries(sql), connector);
  if (next === null) return null;
  sql.exec("UPDATE deliveries SET status = 'pending', lease_until = ?, updated_at = ? WHERE delivery_id = ?", leaseUntil, at, next);
  return next;
}

/** Connectors with deliveries in line but none in flight: a repair for the alarm. */
export function stalledConnectors(sql: SqlStorage): string[] {
  return stalled(openEntries(sql));
}

export function overdueDeliveries(sql: SqlStorage, nowMs: number): string[] {
  return overdue(openEntries(sql), nowMs);
}

export function earliestLease(sql: SqlStorage): number | null {
  return earliestLeaseOf(openEntries(sql));
}

export const isSettled = (status: string): boolean => status === "delivered" || status === "skipped" || status === "dead";

// The rules themselves, pure, over the rows that can matter to them.

/** What the ordering rules read of a delivery row. */
export interface OutboxEntry {
  deliveryId: string;
  eventSeq: number;
  connector: string;
  status: string;
  leaseUntil: number | null;
}

/** In flight (`pending`) or in line (`waiting`): either holds back a later delivery to the same connector. */
export const isOpen = (status: string): boolean => status === "pending" || status === "waiting";

/** Settled rows never take part in a decision below, so only open ones are read. */
function openEntries(sql: SqlStorage): OutboxEntry[] {
  return sql
    .exec<Row>("SELECT delivery_id, event_seq, connector, status, lease_until FROM deliveries WHERE status IN ('pending', 'waiting')")
    .toArray()
    .map((r) => ({
      deliveryId: String(r.delivery_id),
      eventSeq: Number(r.event_seq),
      connector: String(r.connector),
      status: String(r.status),
      leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    }));
}

export function hasOpen(entries: readonly OutboxEntry[], connector: string): boolean {
  return entries.some((e) => e.connector === connector && isOpen(e.status));
}

/**
 * The delivery the connector sends next: none while one is in flight, else its waiting delivery
 * of the earliest event (ties by id, so the choice never depends on row order).
 */
export function nextInLine(entries: readonly OutboxEntry[], connector: string): string | null {
  let next: OutboxEntry | null = null;
  for (const e of entries) {
    if (e.connector !== connector) continue;
    if (e.status === "pending") return null;
    if (e.status !== "waiting") continue;
    if (next === null || e.eventSeq < next.eventSeq || (e.eventSeq === next.eventSeq && e.deliveryId < next.deliveryId)) next = e;
  }
  return next?.deliveryId ?? null;
}

/** Connectors with a delivery waiting and none in flight, each once, in order of first appearance. */
export function stalled(entries: readonly OutboxEntry[]): string[] {
  const connectors = [...new Set(entries.filter((e) => e.status === "waiting").map((e) => e.connector))];
  return connectors.filter((c) => !entries.some((e) => e.connector === c && e.status === "pending"));
}

/** In-flight deliveries whose lease has run out by `nowMs` (a lease ending exactly now has). */
export function overdue(entries: readonly OutboxEntry[], nowMs: number): string[] {
  return entries.filter((e) => e.status === "pending" && e.leaseUntil !== null && e.leaseUntil <= nowMs).map((e) => e.deliveryId);
}

/** When the alarm must next look: the earliest lease of a delivery in flight, or null when none is. */
export function earliestLeaseOf(entries: readonly OutboxEntry[]): number | null {
  let at: number | null = null;
  for (const e of entries) if (e.status === "pending" && e.leaseUntil !== null && (at === null || e.leaseUntil < at)) at = e.leaseUntil;
  return at;
}
