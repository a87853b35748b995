/**
 * @module lifecycle/event-payload
 * The canonical event as the vendor webhook receives it (docs/contract.md, "Vendor webhook payload").
 * Built once when the event is applied, so every delivery and every retry sends the same facts;
 * only `id` differs per delivery.
 */
import type { EventOrigin, EventType, InstanceRecord, JsonObject } from "./types";
import { withoutPersonalData } from "./personal-data";

export interface CanonicalEvent {
  id: string;
  type: EventType;
  occurredAt: string;
  test: boolean;
  instance: {
    key: string;
    source: InstanceRecord["source"];
    id: string;
    state: InstanceRecord["state"];
    expiresAt: string | null;
    plan: JsonObject;
    refs: Record<string, string>;
  };
  source: { system: EventOrigin["system"]; activity: string; orderId?: string; raw: JsonObject };
}

export type EventSnapshot = Omit<CanonicalEvent, "id">;

/** The snapshot without personal data: the facts (type, time, order id, plan, refs) stay. */
export function withoutPersonalDataIn(snapshot: EventSnapshot): EventSnapshot {
  return {
    ...snapshot,
    instance: { ...snapshot.instance, plan: withoutPersonalData(snapshot.instance.plan) },
    source: { ...snapshot.source, raw: withoutPersonalData(snapshot.source.raw) },
  };
}

export function eventSnapshot(input: {
  type: EventType;
  occurredAt: string;
  test: boolean;
  instance: InstanceRecord;
  origin: EventOrigin;
  forwardPersonalData: boolean;
}): EventSnapshot {
  const { instance, origin } = input;
  return {
    type: input.type,
    occurredAt: input.occurredAt,
    test: input.test,
    instance: {
      key: instance.key,
      source: instance.source,
      id: instance.externalId,
      state: instance.state,
      expiresAt: instance.expiresAt,
      plan: input.forwardPersonalData ? instance.plan : withoutPersonalData(instance.plan),
      refs: instance.refs,
    },
    source: {
      system: origin.system,
      activity: origin.activity,
      ...(origin.orderId ? { orderId: origin.orderId } : {}),
      raw: input.forwardPersonalData ? origin.raw : withoutPersonalData(origin.raw),
    },
  };
}
