/**
 * @module instance/parking
 * Deliveries held back while their partner is paused (`gate/connector-gate.ts`). A parked
 * delivery keeps its place: it is the connector's one delivery in flight for this instance (so
 * later ones stay `waiting` behind it), it has spent no attempt by being parked, and when it is
 * woken its queue message carries the attempts it had made before, so the retry policy continues
 * where it stood instead of starting over.
 *
 * The gate wakes parked deliveries on resume. In case a wake-up is ever lost, a parked delivery
 * also has a long lease: when it runs out the instance queues it again by itself, and the
 * consumer parks it again if the partner is still paused. All functions run inside the caller's
 * transaction.
 */
import type { DeliveryMessage } from "../delivery/message";
import type { Row } from "./records";
import { messageFor } from "./store";

/** How long a parked delivery waits before its instance re-checks on its own. */
export const PARKED_RECHECK_MS = 6 * 3_600_000;

/** Parks a delivery that is in flight (or already parked). False when it has settled meanwhile. */
export function parkDelivery(sql: SqlStorage, deliveryId: string, recheckAt: number, at: string): boolean {
  return (
    sql.exec(
      "UPDATE deliveries SET status = 'parked', lease_until = ?, unreported_sends = 0, attempt_claim_until = NULL, updated_at = ? WHERE delivery_id = ? AND status IN ('pending', 'parked')",
      recheckAt,
      at,
      deliveryId,
    ).rowsWritten > 0
  );
}

export function parkedFor(sql: SqlStorage, connector: string): string[] {
  return sql
    .exec<Row>("SELECT delivery_id FROM deliveries WHERE connector = ? AND status = 'parked' ORDER BY event_seq, delivery_id", connector)
    .toArray()
    .map((r) => String(r.delivery_id));
}

export function overdueParked(sql: SqlStorage, nowMs: number): string[] {
  return sql
    .exec<Row>("SELECT delivery_id FROM deliveries WHERE status = 'parked' AND lease_until <= ? ORDER BY event_seq, delivery_id", nowMs)
    .toArray()
    .map((r) => String(r.delivery_id));
}

/** Back in flight with a fresh lease; the send that follows is counted like any other (instance/outbox). */
export function unpark(sql: SqlStorage, ids: readonly string[], leaseUntil: number, at: string): void {
  for (const id of ids)
    sql.exec(
      "UPDATE deliveries SET status = 'pending', lease_until = ?, unreported_sends = 1, attempt_claim_until = NULL, updated_at = ? WHERE delivery_id = ? AND status = 'parked'",
      leaseUntil,
      at,
      id,
    );
}

/** The queue message of a woken delivery, carrying the attempts already made. */
export function wokenMessage(sql: SqlStorage, deliveryId: string): DeliveryMessage | null {
  const message = messageFor(sql, deliveryId);
  if (!message) return null;
  const attempts = Number(sql.exec<{ n: number }>("SELECT attempts AS n FROM deliveries WHERE delivery_id = ?", deliveryId).one().n);
  return attempts > 0 ? { ...message, priorAttempts: attempts } : message;
}
