/**
 * @module ops/events
 * Operational events (docs/contract.md "Operations"): what they say and how they are named. Pure,
 * apart from the digest that makes their ids.
 *
 * Payload: `{"id","type","occurredAt","data":{...}}`. `data` carries ids, names, counts and
 * reasons, never buyer personal data: instance keys are marketplace ids, and reasons are cut
 * short with anything that looks like an e-mail address, a phone number or a credential masked.
 *
 * Ids are derived from what the event is about and when it happened (`ops_<kind>_<subject>_<ms>`),
 * so an emitter that hands the same event over twice (a retry after a lost answer) produces one
 * delivery. The id is also the `webhook-id` the operations endpoint can deduplicate on. Built
 * synchronously, so the instance and connector objects can stage an event inside the transaction
 * that causes it.
 */
import { maskSecretPairs } from "../lifecycle/secrets";

export type PausedBy = "operator" | "breaker";

export interface DeadLetteredData {
  deliveryId: string;
  connector: string;
  instanceKey: string;
  eventType: string;
  attempts: number;
  reason: string;
}

export interface RecoveredData {
  deliveryId: string;
  connector: string;
  instanceKey: string;
  eventType: string;
  attempts: number;
}

export interface PausedData {
  connector: string;
  by: PausedBy;
  reason: string;
  since: string;
}

export interface ResumedData {
  connector: string;
  by: PausedBy;
  pausedSince: string;
}

/** A partner's state disagrees with the instance's (docs/reconciliation.md). Values are dates and states, never personal data. */
export interface DriftData {
  connector: string;
  instanceKey: string;
  partnerValue: string;
  instanceValue: string;
  since: string;
}

export type OpsEvent =
  | { id: string; type: "delivery.dead_lettered"; occurredAt: string; data: DeadLetteredData }
  | { id: string; type: "delivery.recovered"; occurredAt: string; data: RecoveredData }
  | { id: string; type: "connector.paused"; occurredAt: string; data: PausedData }
  | { id: string; type: "connector.resumed"; occurredAt: string; data: ResumedData }
  | { id: string; type: "instance.drift_detected"; occurredAt: string; data: DriftData }
  | { id: string; type: "instance.drift_repaired"; occurredAt: string; data: DriftData & { repairedBy: "resend" | "partner" } };

/** Which events must reach the endpoint in order: those about one connector, or about one instance. */
export function laneOf(event: OpsEvent): string {
  return event.type.startsWith("connector.") ? `connector:${event.data.connector}` : `instance:${(event.data as RecoveredData).instanceKey}`;
}

const MAX_REASON = 200;

/** A reason fit to leave the gateway: short, single-line, without contact details or credentials. */
export function opsReason(text: string): string {
  const line = maskSecretPairs(text, "[redacted]")
    .replace(/\s+/g, " ")
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, "[redacted]")
    .replace(/\+?\d[\d -]{6,}\d/g, "[redacted]")
    .replace(/\b(Bearer)\s+\S+/gi, "$1 [redacted]")
    .trim();
  return line.length <= MAX_REASON ? line : `${line.slice(0, MAX_REASON - 1)}…`;
}

const stamp = (iso: string): string => Date.parse(iso).toString(36);
const core = (deliveryId: string): string => deliveryId.replace(/^dlv_/, "");

export function deadLettered(data: DeadLetteredData, at: string): OpsEvent {
  return {
    id: `ops_dl_${core(data.deliveryId)}_${stamp(at)}`,
    type: "delivery.dead_lettered",
    occurredAt: at,
    data: { ...data, reason: opsReason(data.reason) },
  };
}

export function recovered(data: RecoveredData, at: string): OpsEvent {
  return { id: `ops_rc_${core(data.deliveryId)}_${stamp(at)}`, type: "delivery.recovered", occurredAt: at, data };
}

export function connectorPaused(data: PausedData): OpsEvent {
  return {
    id: `ops_cp_${data.connector}_${stamp(data.since)}`,
    type: "connector.paused",
    occurredAt: data.since,
    data: { ...data, reason: opsReason(data.reason) },
  };
}

export function connectorResumed(data: ResumedData, at: string): OpsEvent {
  return { id: `ops_cr_${data.connector}_${stamp(at)}`, type: "connector.resumed", occurredAt: at, data };
}

/** Drift events are about one instance and one partner; the key is hashed into the id only through its text. */
const driftSubject = (d: DriftData): string => `${d.connector}_${d.instanceKey.replace(/[^A-Za-z0-9]/g, "-").slice(0, 80)}`;

export function driftDetected(data: DriftData): OpsEvent {
  return { id: `ops_dd_${driftSubject(data)}_${stamp(data.since)}`, type: "instance.drift_detected", occurredAt: data.since, data };
}

export function driftRepaired(data: DriftData & { repairedBy: "resend" | "partner" }, at: string): OpsEvent {
  return { id: `ops_dr_${driftSubject(data)}_${stamp(at)}`, type: "instance.drift_repaired", occurredAt: at, data };
}
