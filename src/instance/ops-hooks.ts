/**
 * @module instance/ops-hooks
 * The operational events an instance causes, staged in the transaction that causes them
 * (`ops/relay.ts` hands them on): `delivery.dead_lettered` when one of its deliveries dies, and
 * `delivery.recovered` when a dead one that an operator replayed is delivered after all. To know
 * the latter, replaying a dead delivery leaves a mark, in a table created with the first mark.
 */
import type { Bindings } from "../bindings";
import { opsEnabled } from "../config";
import { deadLettered, recovered } from "../ops/events";
import { stageOpsEvents } from "../ops/relay";
import type { DeliveryRecord } from "./records";

const MARKS = "CREATE TABLE IF NOT EXISTS replayed_dead (delivery_id TEXT PRIMARY KEY) WITHOUT ROWID";

function eventTypeOf(sql: SqlStorage, deliveryId: string): string {
  const row = sql
    .exec<{ type: string }>("SELECT e.type FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.delivery_id = ?", deliveryId)
    .toArray()[0];
  return row ? String(row.type) : "unknown";
}

export function markReplayedDead(sql: SqlStorage, env: Bindings, deliveryId: string): void {
  if (!opsEnabled(env)) return;
  sql.exec(MARKS);
  sql.exec("INSERT OR IGNORE INTO replayed_dead (delivery_id) VALUES (?)", deliveryId);
}

function takeReplayedDead(sql: SqlStorage, deliveryId: string): boolean {
  if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'replayed_dead'").toArray().length === 0) return false;
  return sql.exec("DELETE FROM replayed_dead WHERE delivery_id = ?", deliveryId).rowsWritten > 0;
}

/**
 * After a delivery's status changed to `after` (inside the same transaction): stages the event it
 * calls for, if any. True when something was staged (the caller relays after the commit).
 */
export function stageDeliveryOpsEvents(
  sql: SqlStorage,
  env: Bindings,
  instanceKey: string,
  before: DeliveryRecord,
  after: { status: string; attempts: number; reason: string | null },
  nowMs: number,
): boolean {
  if (!opsEnabled(env) || before.status === after.status) return false;
  const at = new Date(nowMs).toISOString();
  const about = {
    deliveryId: before.deliveryId,
    connector: before.connector,
    instanceKey,
    eventType: eventTypeOf(sql, before.deliveryId),
    attempts: after.attempts,
  };
  if (after.status === "dead") {
    return stageOpsEvents(sql, env, [deadLettered({ ...about, reason: after.reason ?? "dead-lettered" }, at)], nowMs);
  }
  if (after.status === "delivered" && takeReplayedDead(sql, before.deliveryId)) {
    return stageOpsEvents(sql, env, [recovered(about, at)], nowMs);
  }
  return false;
}

/**
 * A delivery this object dead-lettered itself (never queued: too large, or sent too often without a
 * report), already marked dead: stages its `delivery.dead_lettered`. True when something was staged.
 */
export function stageDeadByObject(
  sql: SqlStorage,
  env: Bindings,
  dead: { deliveryId: string; connector: string; instanceKey: string; eventType: string; attempts: number; reason: string },
  nowMs: number,
): boolean {
  if (!opsEnabled(env)) return false;
  return stageOpsEvents(sql, env, [deadLettered(dead, new Date(nowMs).toISOString())], nowMs);
}
