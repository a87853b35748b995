/**
 * @module ops/outbox-store
 * The ops outbox's SQLite: one row per operational event, the same lifecycle as a partner
 * delivery (pending with a lease, retried, delivered or dead), and lanes: per subject (one
 * connector, one instance) one event is in flight and the later ones wait, so an endpoint sees
 * `connector.paused` before the `connector.resumed` that ended it. Lanes never wait on each other,
 * and nothing here waits on a partner. Synchronous, for use inside the object's transactions.
 */
import type { OpsEvent } from "./events";
import type { OpsMessage } from "./message";

export const OPS_SCHEMA = `
CREATE TABLE IF NOT EXISTS ops_deliveries (
  delivery_id TEXT PRIMARY KEY,
  lane TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  last_status INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ops_by_lane ON ops_deliveries (lane, status, seq);
CREATE INDEX IF NOT EXISTS ops_by_status ON ops_deliveries (status, lease_until);
CREATE TABLE IF NOT EXISTS ops_endpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_success_at TEXT,
  last_failure_at TEXT,
  last_failure_reason TEXT
);
`;

export type OpsStatus = "pending" | "waiting" | "delivered" | "dead";

type Row = Record<string, SqlStorageValue>;

export function exists(sql: SqlStorage, id: string): boolean {
  return sql.exec("SELECT 1 FROM ops_deliveries WHERE delivery_id = ?", id).toArray().length > 0;
}

export function statusOf(sql: SqlStorage, id: string): { status: OpsStatus; lane: string; attempts: number } | null {
  const row = sql.exec<Row>("SELECT status, lane, attempts FROM ops_deliveries WHERE delivery_id = ?", id).toArray()[0];
  return row ? { status: String(row.status) as OpsStatus, lane: String(row.lane), attempts: Number(row.attempts) } : null;
}

function laneIsOpen(sql: SqlStorage, lane: string): boolean {
  return sql.exec("SELECT 1 FROM ops_deliveries WHERE lane = ? AND status IN ('pending', 'waiting') LIMIT 1", lane).toArray().length > 0;
}

/** Inserts an event; returns true when it goes out now (nothing ahead of it in its lane). */
export function insertOpsEvent(sql: SqlStorage, event: OpsEvent, lane: string, leaseUntil: number, at: string): boolean {
  const seq = Number(sql.exec<{ n: number | null }>("SELECT MAX(seq) AS n FROM ops_deliveries").one().n ?? 0) + 1;
  const now = !laneIsOpen(sql, lane);
  sql.exec(
    `INSERT INTO ops_deliveries (delivery_id, lane, seq, type, payload, status, lease_until, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    event.id,
    lane,
    seq,
    event.type,
    JSON.stringify(event),
    now ? "pending" : "waiting",
    now ? leaseUntil : null,
    at,
    at,
  );
  return now;
}

export function settle(
  sql: SqlStorage,
  id: string,
  status: OpsStatus,
  u: { attempts: number; reason: string | null; leaseUntil: number | null; httpStatus: number | null; at: string },
): void {
  sql.exec(
    "UPDATE ops_deliveries SET status = ?, attempts = ?, reason = ?, lease_until = ?, last_status = ?, updated_at = ? WHERE delivery_id = ?",
    status,
    u.attempts,
    u.reason,
    u.leaseUntil,
    u.httpStatus,
    u.at,
    id,
  );
}

/** Puts the lane's next waiting event in flight if none is; returns its id. */
export function promoteNext(sql: SqlStorage, lane: string, leaseUntil: number, at: string): string | null {
  if (sql.exec("SELECT 1 FROM ops_deliveries WHERE lane = ? AND status = 'pending' LIMIT 1", lane).toArray().length > 0) return null;
  const next = sql.exec<Row>("SELECT delivery_id FROM ops_deliveries WHERE lane = ? AND status = 'waiting' ORDER BY seq LIMIT 1", lane).toArray()[0];
  if (!next) return null;
  sql.exec("UPDATE ops_deliveries SET status = 'pending', lease_until = ?, updated_at = ? WHERE delivery_id = ?", leaseUntil, at, next.delivery_id);
  return String(next.delivery_id);
}

export function overdue(sql: SqlStorage, nowMs: number): string[] {
  return sql
    .exec<Row>("SELECT delivery_id FROM ops_deliveries WHERE status = 'pending' AND lease_until <= ?", nowMs)
    .toArray()
    .map((r) => String(r.delivery_id));
}

export function stalledLanes(sql: SqlStorage): string[] {
  return sql
    .exec<Row>(
      `SELECT DISTINCT lane FROM ops_deliveries w WHERE status = 'waiting'
       AND NOT EXISTS (SELECT 1 FROM ops_deliveries p WHERE p.lane = w.lane AND p.status = 'pending')`,
    )
    .toArray()
    .map((r) => String(r.lane));
}

export function earliestLease(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM ops_deliveries WHERE status = 'pending'").one().at;
}

export function messageFor(sql: SqlStorage, id: string): OpsMessage | null {
  const row = sql.exec<Row>("SELECT lane, payload FROM ops_deliveries WHERE delivery_id = ?", id).toArray()[0];
  return row ? { kind: "ops", deliveryId: id, lane: String(row.lane), event: JSON.parse(String(row.payload)) as OpsEvent } : null;
}

export interface OpsSummary {
  pending: number;
  waiting: number;
  delivered: number;
  dead: number;
  lastSuccessAt: string | null;
  lastFailure: { at: string; reason: string } | null;
}

export function noteOutcome(sql: SqlStorage, ok: boolean, at: string, reason: string | null): void {
  if (ok) {
    sql.exec("INSERT INTO ops_endpoint (id, last_success_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last_success_at = excluded.last_success_at", at);
  } else {
    sql.exec(
      `INSERT INTO ops_endpoint (id, last_failure_at, last_failure_reason) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_failure_at = excluded.last_failure_at, last_failure_reason = excluded.last_failure_reason`,
      at,
      reason,
    );
  }
}

export function summary(sql: SqlStorage): OpsSummary {
  const counts = { pending: 0, waiting: 0, delivered: 0, dead: 0 };
  for (const r of sql.exec<Row>("SELECT status, COUNT(*) AS n FROM ops_deliveries GROUP BY status").toArray()) {
    counts[String(r.status) as OpsStatus] = Number(r.n);
  }
  const e = sql.exec<Row>("SELECT * FROM ops_endpoint WHERE id = 1").toArray()[0];
  return {
    ...counts,
    lastSuccessAt: e?.last_success_at ? String(e.last_success_at) : null,
    lastFailure: e?.last_failure_at ? { at: String(e.last_failure_at), reason: String(e.last_failure_reason ?? "") } : null,
  };
}

/** Delivered events are kept for a while for the figures, then dropped, a bounded batch at a time. */
export function pruneDelivered(sql: SqlStorage, beforeIso: string): void {
  sql.exec(
    "DELETE FROM ops_deliveries WHERE delivery_id IN (SELECT delivery_id FROM ops_deliveries WHERE status = 'delivered' AND updated_at < ? LIMIT 100)",
    beforeIso,
  );
}
