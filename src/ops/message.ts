/**
 * @module ops/message
 * What travels on the operational-events queue: one event for the operations endpoint, with the
 * lane that keeps events about one subject in order.
 */
import type { OpsEvent } from "./events";

export interface OpsMessage {
  kind: "ops";
  /** The event id: stable across retries, sent as `webhook-id`. */
  deliveryId: string;
  lane: string;
  event: OpsEvent;
}

/** Ops messages share the dead-letter queue with partner deliveries; this tells them apart. */
export function isOpsMessage(body: unknown): body is OpsMessage {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "ops";
}
