/**
 * @module gate/gate-store
 * The connector gate's SQLite: one state row (pause, breaker, probe, last outcomes), the
 * breaker's sample buckets, and the instances that have a delivery parked for this connector.
 * Synchronous, for use inside the gate's transactions.
 */
import type { PausedBy } from "../ops/events";
import { BUCKET_MS, WINDOW_MS, type BreakerCounts } from "./breaker";

export const GATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS gate (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  paused_by TEXT,
  reason TEXT,
  since_ms INTEGER,
  probe_delivery TEXT,
  probe_started_ms INTEGER,
  next_probe_ms INTEGER,
  probe_interval_ms INTEGER,
  streak INTEGER NOT NULL DEFAULT 0,
  streak_first TEXT,
  streak_several INTEGER NOT NULL DEFAULT 0,
  last_success_ms INTEGER,
  last_failure_ms INTEGER,
  last_failure_reason TEXT
);
INSERT OR IGNORE INTO gate (id) VALUES (1);
CREATE TABLE IF NOT EXISTS samples (bucket_ms INTEGER PRIMARY KEY, attempts INTEGER NOT NULL, failures INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parked (instance_key TEXT PRIMARY KEY, since_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS parked_by_age ON parked (since_ms);
`;

export interface GateState {
  pausedBy: PausedBy | null;
  reason: string | null;
  sinceMs: number | null;
  probeDelivery: string | null;
  probeStartedMs: number | null;
  nextProbeMs: number | null;
  probeIntervalMs: number | null;
  streak: number;
  streakFirst: string | null;
  streakSeveral: boolean;
  lastSuccessMs: number | null;
  lastFailureMs: number | null;
  lastFailureReason: string | null;
}

type Row = Record<string, SqlStorageValue>;
const num = (v: SqlStorageValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: SqlStorageValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

export function readState(sql: SqlStorage): GateState {
  const r = sql.exec<Row>("SELECT * FROM gate WHERE id = 1").one();
  return {
    pausedBy: str(r.paused_by) as PausedBy | null,
    reason: str(r.reason),
    sinceMs: num(r.since_ms),
    probeDelivery: str(r.probe_delivery),
    probeStartedMs: num(r.probe_started_ms),
    nextProbeMs: num(r.next_probe_ms),
    probeIntervalMs: num(r.probe_interval_ms),
    streak: Number(r.streak),
    streakFirst: str(r.streak_first),
    streakSeveral: Number(r.streak_several) === 1,
    lastSuccessMs: num(r.last_success_ms),
    lastFailureMs: num(r.last_failure_ms),
    lastFailureReason: str(r.last_failure_reason),
  };
}

export function writeState(sql: SqlStorage, s: GateState): void {
  sql.exec(
    `UPDATE gate SET paused_by = ?, reason = ?, since_ms = ?, probe_delivery = ?, probe_started_ms = ?, next_probe_ms = ?,
       probe_interval_ms = ?, streak = ?, streak_first = ?, streak_several = ?, last_success_ms = ?, last_failure_ms = ?,
       last_failure_reason = ? WHERE id = 1`,
    s.pausedBy,
    s.reason,
    s.sinceMs,
    s.probeDelivery,
    s.probeStartedMs,
    s.nextProbeMs,
    s.probeIntervalMs,
    s.streak,
    s.streakFirst,
    s.streakSeveral ? 1 : 0,
    s.lastSuccessMs,
    s.lastFailureMs,
    s.lastFailureReason,
  );
}

/** Adds counted attempts to the current bucket and drops buckets that left the window. */
export function addSamples(sql: SqlStorage, bucketMs: number, attempts: number, failures: number): void {
  sql.exec(
    `INSERT INTO samples (bucket_ms, attempts, failures) VALUES (?, ?, ?)
     ON CONFLICT (bucket_ms) DO UPDATE SET attempts = attempts + excluded.attempts, failures = failures + excluded.failures`,
    bucketMs,
    attempts,
    failures,
  );
  sql.exec("DELETE FROM samples WHERE bucket_ms <= ?", bucketMs - WINDOW_MS);
}

export function clearSamples(sql: SqlStorage): void {
  sql.exec("DELETE FROM samples");
}

export function windowCounts(sql: SqlStorage, nowMs: number): { attempts: number; failures: number } {
  const r = sql
    .exec<{ a: number | null; f: number | null }>(
      "SELECT SUM(attempts) AS a, SUM(failures) AS f FROM samples WHERE bucket_ms > ?",
      nowMs - WINDOW_MS - BUCKET_MS,
    )
    .one();
  return { attempts: Number(r.a ?? 0), failures: Number(r.f ?? 0) };
}

export function counts(sql: SqlStorage, s: GateState, nowMs: number): BreakerCounts {
  const w = windowCounts(sql, nowMs);
  return { windowAttempts: w.attempts, windowFailures: w.failures, streak: s.streak, streakFromSeveralDeliveries: s.streakSeveral };
}

export function park(sql: SqlStorage, instanceKey: string, nowMs: number): void {
  sql.exec("INSERT OR REPLACE INTO parked (instance_key, since_ms) VALUES (?, ?)", instanceKey, nowMs);
}

export function oldestParked(sql: SqlStorage, limit: number): string[] {
  return sql
    .exec<Row>("SELECT instance_key FROM parked ORDER BY since_ms, instance_key LIMIT ?", limit)
    .toArray()
    .map((r) => String(r.instance_key));
}

export function unpark(sql: SqlStorage, instanceKey: string): void {
  sql.exec("DELETE FROM parked WHERE instance_key = ?", instanceKey);
}

export function parkedCount(sql: SqlStorage): number {
  return Number(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM parked").one().n);
}
