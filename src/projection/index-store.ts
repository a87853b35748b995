/**
 * @module projection/index-store
 * The operations index's SQLite. Tables are shaped by their queries:
 * - `instances`, `deliveries`: one row per instance / delivery, upserted only by a newer version
 *   (time of the change, then version or attempts), so replays and out-of-order projections are
 *   harmless; one index each on (updated_ms, id) serves "newest first" with keyset cursors, and
 *   the filters (state, source, status, connector) are applied while walking it. Each further
 *   index would cost a row write per projection, for queries that only operators run.
 * - `inbound_minutes`, `delivery_minutes`: counters per minute, the figures of `/admin/stats`.
 *   A delivery outcome is counted in the same statement batch that stores a new delivery
 *   version, so it is counted once however often it is projected.
 * - `connector_last`: last success and failure per connector, for `/admin/connectors`.
 * Synchronous, for use inside the index object's transactions.
 */
import type { DeliveryProjection, DriftProjection, InstanceProjection } from "./types";
import { minuteOf, type Position } from "./search";

export const INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  key TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  state TEXT NOT NULL,
  test INTEGER NOT NULL,
  version INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS instances_by_update ON instances (updated_ms, key);
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY,
  instance_key TEXT NOT NULL,
  connector TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_update ON deliveries (updated_ms, delivery_id);
CREATE TABLE IF NOT EXISTS inbound_minutes (
  minute INTEGER NOT NULL, route TEXT NOT NULL, result TEXT NOT NULL, calls INTEGER NOT NULL,
  PRIMARY KEY (minute, route, result)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delivery_minutes (
  minute INTEGER NOT NULL, connector TEXT NOT NULL, outcome TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (minute, connector, outcome)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reconcile_targets (connector TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (connector, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reconcile_cursor (connector TEXT PRIMARY KEY, after_key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drifts (
  id TEXT PRIMARY KEY, instance_key TEXT NOT NULL, connector TEXT NOT NULL, partner_value TEXT NOT NULL,
  instance_value TEXT NOT NULL, since_ms INTEGER NOT NULL, repaired INTEGER NOT NULL, updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS drifts_by_since ON drifts (since_ms, id);
CREATE TABLE IF NOT EXISTS connector_last (
  connector TEXT PRIMARY KEY, last_success_ms INTEGER, last_failure_ms INTEGER, last_failure_reason TEXT
) WITHOUT ROWID;
`;

type Row = Record<string, SqlStorageValue>;
const ms = (iso: string): number => Date.parse(iso);
const MAX_REASON = 300;

/** Stores the instance unless the index already has a newer version. True when it changed. */
export function upsertInstance(sql: SqlStorage, i: InstanceProjection): boolean {
  return (
    sql.exec(
      `INSERT INTO instances (key, source, state, test, version, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = excluded.state, test = excluded.test, version = excluded.version, updated_ms = excluded.updated_ms
       WHERE excluded.updated_ms > instances.updated_ms OR (excluded.updated_ms = instances.updated_ms AND excluded.version > instances.version)`,
      i.key,
      i.source,
      i.state,
      i.test ? 1 : 0,
      i.version,
      ms(i.createdAt),
      ms(i.updatedAt),
    ).rowsWritten > 0
  );
}

/** Stores the delivery unless the index already has a newer version; counts its outcome if new. */
export function upsertDelivery(sql: SqlStorage, d: DeliveryProjection): boolean {
  const updated = ms(d.updatedAt);
  const changed =
    sql.exec(
      `INSERT INTO deliveries (delivery_id, instance_key, connector, event_type, status, attempts, reason, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (delivery_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, reason = excluded.reason, updated_ms = excluded.updated_ms
       WHERE excluded.updated_ms > deliveries.updated_ms OR (excluded.updated_ms = deliveries.updated_ms AND excluded.attempts > deliveries.attempts)`,
      d.deliveryId,
      d.instanceKey,
      d.connector,
      d.eventType,
      d.status,
      d.attempts,
      d.reason?.slice(0, MAX_REASON) ?? null,
      ms(d.createdAt),
      updated,
    ).rowsWritten > 0;
  if (!changed || !d.countAs) return changed;
  sql.exec(
    `INSERT INTO delivery_minutes (minute, connector, outcome, n) VALUES (?, ?, ?, 1)
     ON CONFLICT (minute, connector, outcome) DO UPDATE SET n = n + 1`,
    minuteOf(updated),
    d.connector,
    d.countAs,
  );
  if (d.countAs === "delivered") {
    sql.exec(
      `INSERT INTO connector_last (connector, last_success_ms) VALUES (?, ?)
       ON CONFLICT (connector) DO UPDATE SET last_success_ms = MAX(COALESCE(last_success_ms, 0), excluded.last_success_ms)`,
      d.connector,
      updated,
    );
  } else if (d.countAs === "retrying" || d.countAs === "dead") {
    sql.exec(
      `INSERT INTO connector_last (connector, last_failure_ms, last_failure_reason) VALUES (?, ?, ?)
       ON CONFLICT (connector) DO UPDATE SET last_failure_ms = excluded.last_failure_ms, last_failure_reason = excluded.last_failure_reason
       WHERE excluded.last_failure_ms >= COALESCE(connector_last.last_failure_ms, 0)`,
      d.connector,
      updated,
      d.reason?.slice(0, MAX_REASON) ?? null,
    );
  }
  return changed;
}

export function addInbound(sql: SqlStorage, minute: number, route: string, result: string, calls: number): void {
  sql.exec(
    `INSERT INTO inbound_minutes (minute, route, result, calls) VALUES (?, ?, ?, ?)
     ON CONFLICT (minute, route, result) DO UPDATE SET calls = calls + excluded.calls`,
    minute,
    route,
    result,
    calls,
  );
}

export interface InstanceFilter {
  state?: string | undefined;
  source?: string | undefined;
  updatedSinceMs?: number | undefined;
  after?: Position | null | undefined;
  limit: number;
}

/** An instance as the index lists it: its projection without the reconciliation bookkeeping. */
export type IndexedInstance = Omit<InstanceProjection, "reconcile">;

/** A listing the admin API pages through, newest first, by a time column and a unique id. */
interface Listing {
  table: "instances" | "deliveries" | "drifts";
  time: "updated_ms" | "since_ms";
  id: "key" | "delivery_id" | "id";
}
const INSTANCES: Listing = { table: "instances", time: "updated_ms", id: "key" };
const DELIVERIES: Listing = { table: "deliveries", time: "updated_ms", id: "delivery_id" };
const DRIFTS: Listing = { table: "drifts", time: "since_ms", id: "id" };

interface PageQuery {
  /** Column equality filters; an undefined value does not filter. */
  eq: Record<string, string | undefined>;
  sinceMs?: number | undefined;
  after?: Position | null | undefined;
  limit: number;
}

/** One page, newest first, with the position after its last row when more rows follow. */
function keysetPage<T>(sql: SqlStorage, listing: Listing, q: PageQuery, map: (r: Row) => T): { items: T[]; next: Position | null } {
  const { table, time, id } = listing;
  const clauses: string[] = [];
  const args: SqlStorageValue[] = [];
  for (const [column, value] of Object.entries(q.eq)) {
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    args.push(value);
  }
  if (q.sinceMs !== undefined) {
    clauses.push(`${time} >= ?`);
    args.push(q.sinceMs);
  }
  if (q.after) {
    clauses.push(`(${time} < ? OR (${time} = ? AND ${id} < ?))`);
    args.push(q.after.ms, q.after.ms, q.after.id);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
  const rows = sql.exec<Row>(`SELECT * FROM ${table} ${where} ORDER BY ${time} DESC, ${id} DESC LIMIT ?`, ...args, q.limit + 1).toArray();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { items: page.map(map), next: rows.length > q.limit && last ? { ms: Number(last[time]), id: String(last[id]) } : null };
}

const isoOf = (ms: unknown): string => new Date(Number(ms)).toISOString();

export function findInstances(sql: SqlStorage, f: InstanceFilter): { items: IndexedInstance[]; next: Position | null } {
  const q = { eq: { state: f.state, source: f.source }, sinceMs: f.updatedSinceMs, after: f.after, limit: f.limit };
  return keysetPage(sql, INSTANCES, q, (r) => ({
    key: String(r.key),
    source: String(r.source),
    state: String(r.state),
    test: Number(r.test) === 1,
    version: Number(r.version),
    createdAt: isoOf(r.created_ms),
    updatedAt: isoOf(r.updated_ms),
  }));
}

export interface DeliveryFilter {
  status?: string | undefined;
  connector?: string | undefined;
  sinceMs?: number | undefined;
  after?: Position | null | undefined;
  limit: number;
}

export interface IndexedDelivery {
  deliveryId: string;
  instanceKey: string;
  connector: string;
  eventType: string;
  status: string;
  attempts: number;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function findDeliveries(sql: SqlStorage, f: DeliveryFilter): { items: IndexedDelivery[]; next: Position | null } {
  const q = { eq: { status: f.status, connector: f.connector }, sinceMs: f.sinceMs, after: f.after, limit: f.limit };
  return keysetPage(sql, DELIVERIES, q, (r) => ({
    deliveryId: String(r.delivery_id),
    instanceKey: String(r.instance_key),
    connector: String(r.connector),
    eventType: String(r.event_type),
    status: String(r.status),
    attempts: Number(r.attempts),
    reason: r.reason === null ? null : String(r.reason),
    createdAt: isoOf(r.created_ms),
    updatedAt: isoOf(r.updated_ms),
  }));
}

export interface Figures {
  inbound: Array<{ route: string; result: string; calls: number }>;
  deliveries: Array<{ connector: string; outcome: string; count: number }>;
}

export function figures(sql: SqlStorage, sinceMs: number): Figures {
  const from = minuteOf(sinceMs);
  return {
    inbound: sql
      .exec<Row>("SELECT route, result, SUM(calls) AS n FROM inbound_minutes WHERE minute >= ? GROUP BY route, result ORDER BY route, result", from)
      .toArray()
      .map((r) => ({ route: String(r.route), result: String(r.result), calls: Number(r.n) })),
    deliveries: sql
      .exec<Row>("SELECT connector, outcome, SUM(n) AS n FROM delivery_minutes WHERE minute >= ? GROUP BY connector, outcome ORDER BY connector, outcome", from)
      .toArray()
      .map((r) => ({ connector: String(r.connector), outcome: String(r.outcome), count: Number(r.n) })),
  };
}

export interface ConnectorFigures {
  connector: string;
  counts: Record<string, number>;
  lastSuccessAt: string | null;
  lastFailure: { at: string; reason: string } | null;
}

export function connectorFigures(sql: SqlStorage, sinceMs: number): ConnectorFigures[] {
  const out = new Map<string, ConnectorFigures>();
  const entry = (c: string) => {
    let e = out.get(c);
    if (!e) out.set(c, (e = { connector: c, counts: {}, lastSuccessAt: null, lastFailure: null }));
    return e;
  };
  for (const r of sql
    .exec<Row>("SELECT connector, outcome, SUM(n) AS n FROM delivery_minutes WHERE minute >= ? GROUP BY connector, outcome", minuteOf(sinceMs))
    .toArray()) {
    entry(String(r.connector)).counts[String(r.outcome)] = Number(r.n);
  }
  for (const r of sql.exec<Row>("SELECT * FROM connector_last").toArray()) {
    const e = entry(String(r.connector));
    if (r.last_success_ms !== null) e.lastSuccessAt = new Date(Number(r.last_success_ms)).toISOString();
    if (r.last_failure_ms !== null) e.lastFailure = { at: new Date(Number(r.last_failure_ms)).toISOString(), reason: String(r.last_failure_reason ?? "") };
  }
  return [...out.values()];
}

/** Drops minute counters older than `beforeMs`, and settled deliveries not changed since `settledBeforeMs`. */
export function prune(sql: SqlStorage, beforeMs: number, settledBeforeMs: number): void {
  const minute = minuteOf(beforeMs);
  sql.exec("DELETE FROM inbound_minutes WHERE minute < ?", minute);
  sql.exec("DELETE FROM delivery_minutes WHERE minute < ?", minute);
  sql.exec(
    "DELETE FROM deliveries WHERE delivery_id IN (SELECT delivery_id FROM deliveries WHERE updated_ms < ? AND status IN ('delivered', 'skipped') LIMIT 1000)",
    settledBeforeMs,
  );
}

/** Instances the reconciliation sweep visits (they hold the connector's ref); a write only the first time. */
export function addReconcileTargets(sql: SqlStorage, i: InstanceProjection): void {
  for (const c of i.reconcile ?? []) sql.exec("INSERT OR IGNORE INTO reconcile_targets (connector, key) VALUES (?, ?)", c, i.key);
}

/** The next `limit` targets after the connector's cursor, in key order; `done` when the walk reached the end. */
export function reconcileSlice(sql: SqlStorage, connector: string, limit: number): { keys: string[]; done: boolean } {
  const after = sql.exec<Row>("SELECT after_key FROM reconcile_cursor WHERE connector = ?", connector).toArray()[0]?.after_key ?? "";
  const rows = sql
    .exec<Row>("SELECT key FROM reconcile_targets WHERE connector = ? AND key > ? ORDER BY key LIMIT ?", connector, String(after), limit + 1)
    .toArray();
  return { keys: rows.slice(0, limit).map((r) => String(r.key)), done: rows.length <= limit };
}

/** Moves the cursor past `lastKey`, or back to the start when the walk is done. */
export function advanceReconcile(sql: SqlStorage, connector: string, lastKey: string | null, done: boolean): void {
  sql.exec(
    "INSERT INTO reconcile_cursor (connector, after_key) VALUES (?, ?) ON CONFLICT (connector) DO UPDATE SET after_key = excluded.after_key",
    connector,
    done || lastKey === null ? "" : lastKey,
  );
}

export function upsertDrift(sql: SqlStorage, d: DriftProjection): boolean {
  const id = `${d.connector}:${d.instanceKey}`;
  if (d.cleared) return sql.exec("DELETE FROM drifts WHERE id = ? AND updated_ms <= ?", id, ms(d.updatedAt)).rowsWritten > 0;
  return (
    sql.exec(
      `INSERT INTO drifts (id, instance_key, connector, partner_value, instance_value, since_ms, repaired, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET partner_value = excluded.partner_value, instance_value = excluded.instance_value, since_ms = excluded.since_ms,
         repaired = excluded.repaired, updated_ms = excluded.updated_ms
       WHERE excluded.updated_ms >= drifts.updated_ms`,
      id,
      d.instanceKey,
      d.connector,
      d.partnerValue,
      d.instanceValue,
      ms(d.since),
      d.repaired ? 1 : 0,
      ms(d.updatedAt),
    ).rowsWritten > 0
  );
}

export interface DriftFilter {
  connector?: string | undefined;
  after?: Position | null | undefined;
  limit: number;
}

/** A drift as `GET /admin/drift` lists it. */
export type IndexedDrift = Omit<DriftProjection, "updatedAt" | "cleared">;

/** Newest drift first (by when it was found). */
export function findDrifts(sql: SqlStorage, f: DriftFilter): { items: IndexedDrift[]; next: Position | null } {
  return keysetPage(sql, DRIFTS, { eq: { connector: f.connector }, after: f.after, limit: f.limit }, (r) => ({
    instanceKey: String(r.instance_key),
    connector: String(r.connector),
    partnerValue: String(r.partner_value),
    instanceValue: String(r.instance_value),
    since: isoOf(r.since_ms),
    repaired: Number(r.repaired) === 1,
  }));
}
