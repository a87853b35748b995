/**
 * @module projection/types
 * What the instance objects and the queue consumers tell the operations index, and how an
 * instance's delivery status reads in search. Pure.
 */
import type { DeliveryRecord, DeliveryStatus } from "../instance/records";
import type { InstanceRecord } from "../lifecycle/types";

/** Delivery statuses as `GET /admin/deliveries?status=` knows them. */
export const SEARCH_STATUSES = ["pending", "retrying", "delivered", "skipped", "dead"] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];

/** Attempt outcomes counted in the figures. */
export type FigureOutcome = "delivered" | "retrying" | "dead" | "skipped";

export interface InstanceProjection {
  key: string;
  source: string;
  state: string;
  test: boolean;
  /** With `updatedAt`, the version: an older projection never overwrites a newer one. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Connectors whose partner ref the instance holds: the reconciliation sweep visits it for them. */
  reconcile?: string[];
}

/** An instance's drift record as the index lists it (`GET /admin/drift`); `cleared`: the partner agrees again. */
export interface DriftProjection {
  instanceKey: string;
  connector: string;
  partnerValue: string;
  instanceValue: string;
  since: string;
  repaired: boolean;
  updatedAt: string;
  cleared?: boolean;
}

export interface DeliveryProjection {
  deliveryId: string;
  instanceKey: string;
  connector: string;
  eventType: string;
  status: SearchStatus;
  attempts: number;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  /** Counted in the figures under this outcome when this projection is new (once per delivery version). */
  countAs?: FigureOutcome;
}

export interface ProjectionBatch {
  instances?: InstanceProjection[];
  deliveries?: DeliveryProjection[];
  drifts?: DriftProjection[];
}

/**
 * Waiting (behind an earlier delivery) and parked (partner paused) are both "pending" until an
 * attempt has failed; after that, not yet settled is "retrying".
 */
export function searchStatus(status: DeliveryStatus, attempts: number): SearchStatus {
  switch (status) {
    case "delivered":
    case "skipped":
    case "dead":
      return status;
    default:
      return attempts > 0 ? "retrying" : "pending";
  }
}

export function instanceProjection(i: InstanceRecord): InstanceProjection {
  const reconcile = !i.test && /^\d+$/.test(i.refs["mor.subscriptionId"] ?? "") ? ["mor"] : [];
  return {
    key: i.key,
    source: i.source,
    state: i.state,
    test: i.test,
    version: i.version,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    ...(reconcile.length ? { reconcile } : {}),
  };
}

export function deliveryProjection(d: DeliveryRecord, instanceKey: string, eventType: string, countAs?: FigureOutcome): DeliveryProjection {
  return {
    deliveryId: d.deliveryId,
    instanceKey,
    connector: d.connector,
    eventType,
    status: searchStatus(d.status, d.attempts),
    attempts: d.attempts,
    reason: d.reason,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(countAs ? { countAs } : {}),
  };
}
