/**
 * @module delivery/plan
 * Which connectors an event goes to, decided when the event is applied so that the outbox rows
 * are written in the same transaction. Pure.
 *
 * Missing refs do not skip a delivery here: the vendor's reply to instance.provisioned, which
 * usually brings them, may land after the next event is applied. The consumer waits for them
 * while that reply is still being delivered, and at least {@link REFS_GRACE_MS}, and only then
 * records the delivery as skipped.
 */
import type { ConnectorName } from "../config";
import type { EventType } from "../lifecycle/types";

export type PlannedDelivery = { connector: ConnectorName; status: "pending" } | { connector: ConnectorName; status: "skipped"; reason: string };

/** Instance refs each connector cannot work without. */
export const REQUIRED_REFS: Record<ConnectorName, readonly string[]> = {
  vendor: [],
  koodrive: ["koodrive.carrierUserId", "koodrive.packageId"],
  mor: ["mor.subscriptionId"],
};

export function connectorReacts(connector: ConnectorName, type: EventType): boolean {
  switch (connector) {
    case "vendor":
      return true;
    case "koodrive":
      return type === "instance.expired";
    case "mor":
      // resumed: the freeze moved MOR's activation end to the freeze; the resume moves it back.
      return type === "instance.renewed" || type === "instance.expired" || type === "instance.resumed" || type === "instance.released";
  }
}

/** How long a delivery waits for the refs its connector needs before it is skipped. */
export const REFS_GRACE_MS = 15 * 60 * 1000;

export function missingRefs(connector: ConnectorName, refs: Record<string, string>): string[] {
  return REQUIRED_REFS[connector].filter((r) => !refs[r]);
}

export function planDeliveries(input: { type: EventType; test: boolean; enabled: readonly ConnectorName[] }): PlannedDelivery[] {
  const plans: PlannedDelivery[] = [];
  for (const connector of input.enabled) {
    if (!connectorReacts(connector, input.type)) continue;
    if (input.test && connector !== "vendor") {
      plans.push({ connector, status: "skipped", reason: "test event (testFlag=1): only the vendor connector is called" });
      continue;
    }
    plans.push({ connector, status: "pending" });
  }
  return plans;
}
