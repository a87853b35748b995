/**
 * @module instance/outbox
 * The instance's outbox: one row per delivery, the rule that keeps deliveries to one partner in
 * the order the events happened, and the bounds on sending them to the queue.
 *
 * Per connector, at most one delivery of an instance is in flight (`pending`, with a lease); the
 * later ones are `waiting` and are queued when the one before them settles (delivered, skipped
 * or dead). Without this a partner could see a release before the renewal that preceded it: the
 * queue does not keep order, and retries reorder further. A `parked` delivery (its partner is
 * paused, `instance/parking.ts`) still holds the in-flight place. All functions run inside the
 * caller's transaction.
 *
 * Because the ones behind it wait, a delivery in flight must settle in bounded time even when it
 * never reaches a consumer. `unreported_sends` counts the queue sends since a consumer last
 * reported on it: the first send (set when the row goes pending), and each re-send by the alarm
 * after a failed send or a lease that ran out unreported. A failed send is retried after
 * {@link sendRetryDelayMs} (5 s, doubling, at most a lease) and logged as an attempt; after
 * {@link MAX_UNREPORTED_SENDS} sends without a report the delivery is dead-lettered with the
 * reason, and the next one of its connector goes out.
 */
import type { ConnectorName } from "../config";
import type { DeadLetterSummary } from "../delivery/dead-letters";
import { excerpt } from "../delivery/outcome";
import { tooLargeReason } from "../delivery/message-size";
import { deliveryFromRow, type AttemptRecord, type DeliveryRecord, type DeliveryStatus, type Row } from "./records";

/** How long a queued delivery may go unreported before the alarm sends it again. */
export const DELIVERY_LEASE_MS = 15 * 60 * 1000;

/** Attempts kept in a delivery's log (the count in `attempts` goes on). */
const MAX_ATTEMPT_LOG = 25;

/**
 * Queue sends without a consumer report before a delivery is dead-lettered where it stands. Twelve
 * failed sends span about 66 minutes of backoff: a Queues incident of an hour is ridden out, while
 * a send that can never succeed stops holding up the instance's later deliveries.
 */
export const MAX_UNREPORTED_SENDS = 12;

/** First retry of a failed queue send: soon, since most send failures are momentary. */
const SEND_RETRY_BASE_MS = 5_000;

/** Delay before re-sending after the `sends`-th failed send: 5 s, 10 s, 20 s, … at most a lease. */
export function sendRetryDelayMs(sends: number): number {
  return Math.min(SEND_RETRY_BASE_MS * 2 ** (Math.max(1, sends) - 1), DELIVERY_LEASE_MS);
}

/** Why the outbox could not hand a message to the queue. */
export type SendFailure = { deliveryId: string; kind: "failed"; error: string } | { deliveryId: string; kind: "too_large"; bytes: number };

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
  return hasOpen(openEntries(sql), connector);
}

/**
 * True when a delivery of the connector was created, attempted or settled at or after `sinceMs`
 * (`updated_at` is an ISO time, so strings compare in time order).
 */
export function deliveryChangedSince(sql: SqlStorage, connector: ConnectorName, sinceMs: number): boolean {
  return sql.exec("SELECT 1 FROM deliveries WHERE connector = ? AND updated_at >= ? LIMIT 1", connector, new Date(sinceMs).toISOString()).toArray().length > 0;
}

/** A `pending` row is inserted because it is about to be sent: that send is counted here. */
export function insertDelivery(
  sql: SqlStorage,
  d: { deliveryId: string; eventSeq: number; connector: ConnectorName; status: DeliveryStatus; reason: string | null; leaseUntil: number | null; at: string },
): void {
  sql.exec(
    `INSERT INTO deliveries (delivery_id, event_seq, connector, status, reason, lease_until, unreported_sends, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    d.deliveryId,
    d.eventSeq,
    d.connector,
    d.status,
    d.reason,
    d.leaseUntil,
    d.status === "pending" ? 1 : 0,
    d.at,
    d.at,
  );
}

/**
 * Puts the connector's next waiting delivery in flight, if none is. Returns its id, for the
 * caller to send once the transaction has committed.
 */
export function promoteNext(sql: SqlStorage, connector: string, leaseUntil: number, at: string): string | null {
  const next = nextInLine(openEntries(sql), connector);
  if (next === null) return null;
  sql.exec("UPDATE deliveries SET status = 'pending', lease_until = ?, unreported_sends = 1, updated_at = ? WHERE delivery_id = ?", leaseUntil, at, next);
  return next;
}

/** Connectors with deliveries in line but none in flight: a repair for the alarm. */
export function stalledConnectors(sql: SqlStorage): string[] {
  return stalled(openEntries(sql));
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
         WHERE d.connector = 'vendor' AND e.type = 'instance.provisioned' AND d.status IN ('pending', 'waiting', 'parked') LIMIT 1`,
      )
      .toArray().length > 0
  );
}

/**
 * Pending deliveries whose lease ran out with no consumer report: each is counted as sent again
 * (its id is returned for the caller to send), or, when it has had {@link MAX_UNREPORTED_SENDS}
 * sends already, dead-lettered (returned in `dead`).
 */
export function takeOverdue(sql: SqlStorage, nowMs: number, lease: number = DELIVERY_LEASE_MS): { resend: string[]; dead: string[] } {
  const resend: string[] = [];
  const dead: string[] = [];
  const at = new Date(nowMs).toISOString();
  const overdue = sql.exec<Row>("SELECT * FROM deliveries WHERE status = 'pending' AND lease_until <= ?", nowMs).toArray();
  for (const row of overdue) {
    const d = deliveryFromRow(row);
    const sends = Number(row.unreported_sends);
    if (sends >= MAX_UNREPORTED_SENDS) {
      const span = lease % 60_000 === 0 ? `${lease / 60_000}-minute` : `${Math.round(lease / 1000)}-second`;
      const reason = `queued ${sends} times and no consumer reported on it within the ${span} lease`;
      settleDead(sql, d, reason, { at, outcome: "no_consumer_report", excerpt: reason, durationMs: 0 });
      dead.push(d.deliveryId);
    } else {
      sql.exec(
        "UPDATE deliveries SET lease_until = ?, unreported_sends = unreported_sends + 1, attempt_claim_until = NULL WHERE delivery_id = ?",
        nowMs + lease,
        d.deliveryId,
      );
      resend.push(d.deliveryId);
    }
  }
  return { resend, dead };
}

/**
 * Records a send the queue did not take, as one more attempt of the delivery: retried after
 * {@link sendRetryDelayMs}, or dead-lettered when it can never fit or has been sent
 * {@link MAX_UNREPORTED_SENDS} times. Returns the delivery when it is now dead.
 */
export function recordSendFailure(sql: SqlStorage, failure: SendFailure, nowMs: number, scale = 1): DeliveryRecord | null {
  const row = sql.exec<Row>("SELECT * FROM deliveries WHERE delivery_id = ?", failure.deliveryId).toArray()[0];
  const d = row ? deliveryFromRow(row) : null;
  // Settled meanwhile (a consumer reported on an earlier copy): nothing to record.
  if (!row || !d || d.status !== "pending") return null;
  const sends = Number(row.unreported_sends);
  const at = new Date(nowMs).toISOString();
  if (failure.kind === "too_large") {
    const reason = tooLargeReason(failure.bytes);
    return settleDead(sql, d, reason, { at, outcome: "too_large", excerpt: `message of ${failure.bytes} bytes`, durationMs: 0 });
  }
  const error = excerpt(failure.error);
  if (sends >= MAX_UNREPORTED_SENDS) {
    const reason = `queue send failed ${sends} times; last error: ${error}`;
    return settleDead(sql, d, reason, { at, outcome: "queue_send_failed", excerpt: error, durationMs: 0 });
  }
  const delayMs = sendRetryDelayMs(sends) * scale;
  const log = appendAttempt(d, { at, outcome: "queue_send_failed", excerpt: error, durationMs: 0, nextRetryS: delayMs / 1000 });
  sql.exec(
    "UPDATE deliveries SET attempts = ?, attempt_log = ?, lease_until = ?, updated_at = ? WHERE delivery_id = ?",
    d.attempts + 1,
    JSON.stringify(log),
    nowMs + delayMs,
    at,
    d.deliveryId,
  );
  return null;
}

function settleDead(sql: SqlStorage, d: DeliveryRecord, reason: string, attempt: Omit<AttemptRecord, "n">): DeliveryRecord {
  const log = appendAttempt(d, attempt);
  sql.exec(
    "UPDATE deliveries SET status = 'dead', reason = ?, attempts = ?, attempt_log = ?, lease_until = NULL, updated_at = ? WHERE delivery_id = ?",
    reason,
    d.attempts + 1,
    JSON.stringify(log),
    attempt.at,
    d.deliveryId,
  );
  return { ...d, status: "dead", reason, attempts: d.attempts + 1, attemptLog: log, leaseUntil: null, updatedAt: attempt.at };
}

/** The delivery's log with one more attempt, numbered on from `attempts`, capped at {@link MAX_ATTEMPT_LOG}. */
export function appendAttempt(d: Pick<DeliveryRecord, "attempts" | "attemptLog">, attempt: Omit<AttemptRecord, "n">): AttemptRecord[] {
  return [...d.attemptLog, { ...attempt, n: d.attempts + 1 }].slice(-MAX_ATTEMPT_LOG);
}

/** The dead-letter index entry of a dead delivery. */
export function deadLetterSummary(sql: SqlStorage, deliveryId: string): DeadLetterSummary | null {
  const row = sql
    .exec<Row>(
      `SELECT d.*, e.type AS event_type, (SELECT key FROM instance WHERE id = 1) AS instance_key
       FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.delivery_id = ?`,
      deliveryId,
    )
    .toArray()[0];
  if (!row || row.status !== "dead") return null;
  return {
    deliveryId,
    instanceKey: String(row.instance_key),
    connector: String(row.connector),
    eventType: String(row.event_type),
    reason: String(row.reason ?? ""),
    attempts: Number(row.attempts),
    deadAt: String(row.updated_at),
  };
}

/** Pending deliveries whose lease ran out (the pure rule over this table). */
export function overdueDeliveries(sql: SqlStorage, nowMs: number): string[] {
  return overdue(openEntries(sql), nowMs);
}

export function earliestLease(sql: SqlStorage): number | null {
  return earliestLeaseOf(openEntries(sql));
}

/**
 * A later event's delivery to the same partner that this one, sent now, would land after: one
 * already delivered, or one in flight. Later deliveries still waiting are not: a replayed
 * delivery joins the line, which is served in event order.
 */
export function supersedingDelivery(
  sql: SqlStorage,
  delivery: Pick<DeliveryRecord, "deliveryId" | "connector" | "eventSeq">,
): { deliveryId: string; status: DeliveryStatus; type: string } | null {
  const row = sql
    .exec<Row>(
      `SELECT d.delivery_id, d.status, e.type FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.connector = ? AND d.event_seq > ? AND d.delivery_id != ? AND d.status IN ('delivered', 'pending', 'parked')
       ORDER BY d.event_seq DESC LIMIT 1`,
      delivery.connector,
      delivery.eventSeq,
      delivery.deliveryId,
    )
    .toArray()[0];
  return row ? { deliveryId: String(row.delivery_id), status: String(row.status) as DeliveryStatus, type: String(row.type) } : null;
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

/** In flight: sent and not settled (`pending`), or held while its partner is paused (`parked`). */
const isInFlight = (status: string): boolean => status === "pending" || status === "parked";

/** In flight or in line (`waiting`): either holds back a later delivery to the same connector. */
export const isOpen = (status: string): boolean => isInFlight(status) || status === "waiting";

/** Settled rows never take part in a decision below, so only open ones are read. */
function openEntries(sql: SqlStorage): OutboxEntry[] {
  return sql
    .exec<Row>("SELECT delivery_id, event_seq, connector, status, lease_until FROM deliveries WHERE status IN ('pending', 'waiting', 'parked')")
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
    if (isInFlight(e.status)) return null;
    if (e.status !== "waiting") continue;
    if (next === null || e.eventSeq < next.eventSeq || (e.eventSeq === next.eventSeq && e.deliveryId < next.deliveryId)) next = e;
  }
  return next?.deliveryId ?? null;
}

/** Connectors with a delivery waiting and none in flight, each once, in order of first appearance. */
export function stalled(entries: readonly OutboxEntry[]): string[] {
  const connectors = [...new Set(entries.filter((e) => e.status === "waiting").map((e) => e.connector))];
  return connectors.filter((c) => !entries.some((e) => e.connector === c && isInFlight(e.status)));
}

/** In-flight deliveries whose lease has run out by `nowMs` (a lease ending exactly now has). */
export function overdue(entries: readonly OutboxEntry[], nowMs: number): string[] {
  return entries.filter((e) => e.status === "pending" && e.leaseUntil !== null && e.leaseUntil <= nowMs).map((e) => e.deliveryId);
}

/** When the alarm must next look: the earliest lease of a delivery in flight (a parked one's is its recheck), or null when none is. */
export function earliestLeaseOf(entries: readonly OutboxEntry[]): number | null {
  let at: number | null = null;
  for (const e of entries) if (isInFlight(e.status) && e.leaseUntil !== null && (at === null || e.leaseUntil < at)) at = e.leaseUntil;
  return at;
}

/**
 * How long one consumer's claim on an attempt holds: a partner call (15 s timeout) and the reports
 * around it, with room. A claim that outlives a crashed consumer simply lapses.
 */
export const ATTEMPT_CLAIM_MS = 60_000;

/**
 * Claims the next attempt of a pending delivery for one queue message. False when it is not
 * pending, or when another copy of it (Queues deliver at least once; the outbox re-sends what it
 * heard nothing about) is being attempted right now: two copies in flight at once could land an
 * old effect after a newer one. Cleared by the attempt's report.
 */
export function claimAttempt(sql: SqlStorage, deliveryId: string, nowMs: number, claimMs = ATTEMPT_CLAIM_MS): boolean {
  return (
    sql.exec(
      `UPDATE deliveries SET attempt_claim_until = ? WHERE delivery_id = ? AND status = 'pending'
       AND (attempt_claim_until IS NULL OR attempt_claim_until <= ?)`,
      nowMs + claimMs,
      deliveryId,
      nowMs,
    ).rowsWritten > 0
  );
}

/** The newest deliveries first, for the admin view. */
export function recentDeliveries(sql: SqlStorage, limit: number): DeliveryRecord[] {
  return sql.exec<Row>("SELECT * FROM deliveries ORDER BY created_at DESC, delivery_id LIMIT ?", limit).toArray().map(deliveryFromRow);
}

/** Ids of the deliveries in flight, oldest first. */
export function pendingIds(sql: SqlStorage): string[] {
  return sql
    .exec<Row>("SELECT delivery_id FROM deliveries WHERE status = 'pending' ORDER BY created_at, delivery_id")
    .toArray()
    .map((r) => String(r.delivery_id));
}

/** A consumer's report: the queue had the delivery, so its unreported sends and its claim start over. */
export function recordReport(
  sql: SqlStorage,
  deliveryId: string,
  r: { status: string; reason: string | null; attempts: number; log: AttemptRecord[]; leaseUntil: number | null; at: string },
): void {
  sql.exec(
    `UPDATE deliveries SET status = ?, reason = ?, attempts = ?, attempt_log = ?, lease_until = ?, unreported_sends = 0, attempt_claim_until = NULL, updated_at = ? WHERE delivery_id = ?`,
    r.status,
    r.reason,
    r.attempts,
    JSON.stringify(r.log),
    r.leaseUntil,
    r.at,
    deliveryId,
  );
}

export function markDeadRow(sql: SqlStorage, deliveryId: string, reason: string, at: string): void {
  sql.exec("UPDATE deliveries SET status = 'dead', reason = ?, lease_until = NULL, updated_at = ? WHERE delivery_id = ?", reason, at, deliveryId);
}

/** The delivery in flight, sent again with a fresh lease (a replay of one that is pending). */
export function resendInFlight(sql: SqlStorage, deliveryId: string, leaseUntil: number, at: string): void {
  sql.exec(
    "UPDATE deliveries SET lease_until = ?, unreported_sends = 1, attempt_claim_until = NULL, updated_at = ? WHERE delivery_id = ?",
    leaseUntil,
    at,
    deliveryId,
  );
}

/** Back in its connector's line (a replay of a settled one); `promoteNext` decides when it goes. */
export function backInLine(sql: SqlStorage, deliveryId: string, at: string): void {
  sql.exec(
    "UPDATE deliveries SET status = 'waiting', lease_until = NULL, unreported_sends = 0, attempt_claim_until = NULL, updated_at = ? WHERE delivery_id = ?",
    at,
    deliveryId,
  );
}
