/**
 * @module instance/records
 * Row <-> record mapping for the InstanceObject tables, kept apart from the object's logic.
 */
import type { InstanceRecord, JsonObject } from "../lifecycle/types";

export type Row = Record<string, SqlStorageValue>;

const json = <T>(v: SqlStorageValue | undefined): T => JSON.parse(String(v)) as T;

export function instanceFromRow(row: Row): InstanceRecord {
  return {
    key: String(row.key),
    source: String(row.source) as InstanceRecord["source"],
    externalId: String(row.external_id),
    state: String(row.state) as InstanceRecord["state"],
    plan: json<JsonObject>(row.plan),
    expiresAt: row.expires_at === null ? null : String(row.expires_at),
    refs: json<Record<string, string>>(row.refs),
    appInfo: json<JsonObject>(row.app_info),
    test: Number(row.test) === 1,
    version: Number(row.version),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    marketTime: row.market_time === null || row.market_time === undefined ? null : Number(row.market_time),
    owner: row.owner === null || row.owner === undefined ? null : String(row.owner),
  };
}

export interface EventRecord {
  seq: number;
  eventId: string;
  eventKey: string;
  type: string;
  fromState: string | null;
  toState: string;
  occurredAt: string;
  test: boolean;
  answer: JsonObject;
  /** The marketplace time of the call that produced it, when the call carried one. */
  marketTime: number | null;
}

export function eventFromRow(row: Row): EventRecord {
  return {
    seq: Number(row.seq),
    eventId: String(row.event_id),
    eventKey: String(row.event_key),
    type: String(row.type),
    fromState: row.from_state === null ? null : String(row.from_state),
    toState: String(row.to_state),
    occurredAt: String(row.occurred_at),
    test: Number(row.test) === 1,
    answer: json<JsonObject>(row.answer),
    marketTime: row.market_time === null || row.market_time === undefined ? null : Number(row.market_time),
  };
}

export type DeliveryStatus = "pending" | "waiting" | "parked" | "delivered" | "skipped" | "dead";

export interface AttemptRecord {
  n: number;
  at: string;
  outcome: string;
  status?: number;
  excerpt: string;
  durationMs: number;
  nextRetryS?: number;
}

export interface DeliveryRecord {
  deliveryId: string;
  eventSeq: number;
  connector: string;
  status: DeliveryStatus;
  reason: string | null;
  attempts: number;
  attemptLog: AttemptRecord[];
  leaseUntil: number | null;
  createdAt: string;
  updatedAt: string;
}

export function deliveryFromRow(row: Row): DeliveryRecord {
  return {
    deliveryId: String(row.delivery_id),
    eventSeq: Number(row.event_seq),
    connector: String(row.connector),
    status: String(row.status) as DeliveryStatus,
    reason: row.reason === null ? null : String(row.reason),
    attempts: Number(row.attempts),
    attemptLog: json<AttemptRecord[]>(row.attempt_log),
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
