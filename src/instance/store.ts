/**
 * @module instance/store
 * Reads and writes of the instance, event and nonce tables. Synchronous, for use inside the
 * object's transactions.
 */
import type { ConnectorName } from "../config";
import type { DeliveryMessage } from "../delivery/message";
import { withoutPersonalDataIn, type EventSnapshot } from "../lifecycle/event-payload";
import { maskPersonalDataInText } from "../lifecycle/personal-data";
import type { InstanceRecord, LifecycleCommand } from "../lifecycle/types";
import { eventFromRow, instanceFromRow, type AttemptRecord, type EventRecord, type Row } from "./records";

/** The queue message for a delivery, with the instance's current refs. */
export function messageFor(sql: SqlStorage, deliveryId: string): DeliveryMessage | null {
  const row = sql
    .exec<Row>("SELECT d.delivery_id, d.connector, e.payload FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.delivery_id = ?", deliveryId)
    .toArray()[0];
  const instance = readInstance(sql);
  if (!row || !instance) return null;
  const snapshot = JSON.parse(String(row.payload)) as EventSnapshot;
  return {
    deliveryId,
    instanceKey: instance.key,
    connector: String(row.connector) as ConnectorName,
    event: { ...snapshot, id: deliveryId },
    refs: instance.refs,
  };
}

/** Records a V2 nonce until `keepUntilMs`; false if it was already used. */
export function claimNonce(sql: SqlStorage, nonce: string, keepUntilMs: number, nowMs: number): boolean {
  sql.exec("DELETE FROM nonces WHERE expires_at < ?", nowMs);
  const seen = sql.exec("SELECT 1 FROM nonces WHERE nonce = ?", nonce).toArray().length > 0;
  if (seen) return false;
  sql.exec("INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)", nonce, keepUntilMs);
  return true;
}

export function readInstance(sql: SqlStorage): InstanceRecord | null {
  const row = sql.exec<Row>("SELECT * FROM instance WHERE id = 1").toArray()[0];
  return row ? instanceFromRow(row) : null;
}

/** The latest event with this key: the ledger entry. */
export function latestEvent(sql: SqlStorage, eventKey: string): EventRecord | null {
  const row = sql.exec<Row>("SELECT * FROM events WHERE event_key = ? ORDER BY seq DESC LIMIT 1", eventKey).toArray()[0];
  return row ? eventFromRow(row) : null;
}

export function writeInstance(sql: SqlStorage, r: InstanceRecord): void {
  sql.exec(
    `INSERT INTO instance (id, key, source, external_id, state, plan, expires_at, refs, app_info, test, version, created_at, updated_at, market_time, owner)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, plan = excluded.plan, expires_at = excluded.expires_at,
       refs = excluded.refs, app_info = excluded.app_info, version = excluded.version, updated_at = excluded.updated_at,
       market_time = excluded.market_time, owner = excluded.owner`,
    r.key,
    r.source,
    r.externalId,
    r.state,
    JSON.stringify(r.plan),
    r.expiresAt,
    JSON.stringify(r.refs),
    JSON.stringify(r.appInfo),
    r.test ? 1 : 0,
    r.version,
    r.createdAt,
    r.updatedAt,
    r.marketTime,
    r.owner,
  );
}

export function insertEvent(
  sql: SqlStorage,
  eventId: string,
  cmd: LifecycleCommand,
  from: string | null,
  to: string,
  at: string,
  snapshot: EventSnapshot,
): number {
  return Number(
    sql
      .exec<{ seq: number }>(
        `INSERT INTO events (event_id, event_key, scope, type, from_state, to_state, occurred_at, test, answer, payload, market_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        eventId,
        cmd.eventKey,
        cmd.keyScope,
        snapshot.type,
        from,
        to,
        at,
        cmd.test ? 1 : 0,
        JSON.stringify(cmd.answer),
        JSON.stringify(snapshot),
        cmd.marketTime ?? null,
      )
      .one().seq,
  );
}

/**
 * Removes personal data from every stored event payload and every partner answer in the delivery
 * log, keeping the facts: event types, times, order ids, answers, delivery outcomes. Run when the
 * instance is released (docs/contract.md: "data deleted, a tombstone stays"). Only changed rows are written.
 */
export function purgePersonalData(sql: SqlStorage): void {
  for (const row of sql.exec<Row>("SELECT seq, payload FROM events").toArray()) {
    const purged = JSON.stringify(withoutPersonalDataIn(JSON.parse(String(row.payload)) as EventSnapshot));
    if (purged !== row.payload) sql.exec("UPDATE events SET payload = ? WHERE seq = ?", purged, row.seq);
  }
  for (const row of sql.exec<Row>("SELECT delivery_id, reason, attempt_log FROM deliveries").toArray()) {
    const log = (JSON.parse(String(row.attempt_log)) as AttemptRecord[]).map((a) => ({ ...a, excerpt: maskPersonalDataInText(a.excerpt) }));
    const attemptLog = JSON.stringify(log);
    const reason = row.reason === null ? null : maskPersonalDataInText(String(row.reason));
    if (attemptLog !== row.attempt_log || reason !== row.reason) {
      sql.exec("UPDATE deliveries SET attempt_log = ?, reason = ? WHERE delivery_id = ?", attemptLog, reason, row.delivery_id);
    }
  }
}

/** The newest events first, for the admin view. */
export function recentEvents(sql: SqlStorage, limit: number): EventRecord[] {
  return sql.exec<Row>("SELECT * FROM events ORDER BY seq DESC LIMIT ?", limit).toArray().map(eventFromRow);
}
