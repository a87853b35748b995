/**
 * @module delivery/connectors
 * Which client delivers for which connector, and the checks every delivery passes first. The
 * plan made at apply time already skipped test events and missing refs; they are checked again
 * here because a replay may run long after the plan, against changed refs.
 */
import type { Bindings } from "../bindings";
import { ConfigError, type ConnectorName } from "../config";
import { deliverToKooDrive } from "../connectors/koodrive/client";
import { deliverToMor } from "../connectors/mor/client";
import { deliverToVendor } from "../connectors/vendor/client";
import type { DeliveryMessage } from "./message";
import type { AttemptOutcome } from "./outcome";
import { connectorReacts, missingRefs } from "./plan";

const CLIENTS: Record<ConnectorName, (m: DeliveryMessage, env: Bindings) => Promise<AttemptOutcome>> = {
  vendor: deliverToVendor,
  koodrive: deliverToKooDrive,
  mor: deliverToMor,
};

export type DeliveryVerdict = AttemptOutcome | { kind: "skipped"; reason: string };

export async function runDelivery(message: DeliveryMessage, env: Bindings): Promise<DeliveryVerdict> {
  const { connector, event } = message;
  if (!connectorReacts(connector, event.type)) return { kind: "skipped", reason: `${connector} does not react to ${event.type}` };
  if (event.test && connector !== "vendor") return { kind: "skipped", reason: "test event (testFlag=1): only the vendor connector is called" };
  const missing = missingRefs(connector, message.refs);
  if (missing.length > 0) return { kind: "skipped", reason: `instance refs missing: ${missing.join(", ")}` };
  try {
    return await CLIENTS[connector](message, env);
  } catch (err) {
    // A setting the operator must fix: dead-letter now, replay after the fix.
    if (err instanceof ConfigError) return { kind: "permanent", excerpt: "", reason: err.message };
    return { kind: "transient", excerpt: "", reason: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
  }
}
