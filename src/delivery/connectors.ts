/**
 * @module delivery/connectors
 * Which client delivers for which connector, and the checks every delivery passes first. The
 * plan made at apply time already skipped test events and missing refs; they are checked again
 * here because a replay may run long after the plan, against changed refs.
 */
import type { Bindings } from "../bindings";
import type { DeliveryOutlook } from "../instance/instance-object";
import { ConfigError, retryDelayScale, type ConnectorName } from "../config";
import { deliverToKooDrive } from "../connectors/koodrive/client";
import { deliverToMor } from "../connectors/mor/client";
import { deliverToVendor } from "../connectors/vendor-webhook/client";
import type { DeliveryMessage } from "./message";
import type { AttemptOutcome } from "./outcome";
import { connectorReacts, missingRefs, REFS_GRACE_MS } from "./plan";
import { instanceObject } from "../instance/stub";

const CLIENTS: Record<ConnectorName, (m: DeliveryMessage, env: Bindings, attempt: number) => Promise<AttemptOutcome>> = {
  vendor: deliverToVendor,
  koodrive: deliverToKooDrive,
  mor: deliverToMor,
};

export type DeliveryVerdict = AttemptOutcome | { kind: "skipped"; reason: string };

/** Reasons of transient verdicts that never reached the partner (the circuit breaker ignores them). */
export const REASON_REFS_WAIT = "waiting for instance refs";
export const REASON_UNEXPECTED = "unexpected error";

/**
 * `attempt`: the queue's count for this message, 1 on its first delivery. `outlook`: the instance's
 * view, when the caller already asked for it (the consumer does, before every attempt).
 */
export async function runDelivery(message: DeliveryMessage, env: Bindings, attempt = 1, outlook?: DeliveryOutlook | null): Promise<DeliveryVerdict> {
  const { connector, event } = message;
  if (!connectorReacts(connector, event.type)) return { kind: "skipped", reason: `${connector} does not react to ${event.type}` };
  if (event.test && connector !== "vendor") return { kind: "skipped", reason: "test event (testFlag=1): only the vendor connector is called" };
  let deliverable = message;
  if (missingRefs(connector, message.refs).length > 0) {
    // The message carries the refs of when it was queued; the instance may have them by now.
    const view = outlook !== undefined ? outlook : await instanceObject(env, message.instanceKey).deliveryOutlook(message.deliveryId);
    deliverable = { ...message, refs: { ...message.refs, ...(view?.refs ?? {}) } };
    const missing = missingRefs(connector, deliverable.refs);
    if (missing.length > 0) {
      const waitedMs = Date.now() - Date.parse(event.occurredAt);
      // While the vendor's reply to instance.provisioned is still being retried (an outage can
      // outlast the grace), the refs are on their way: skipping now would lose this effect.
      if (view?.vendorReplyPending || waitedMs < REFS_GRACE_MS * retryDelayScale(env)) {
        return { kind: "transient", excerpt: "", reason: `${REASON_REFS_WAIT}: ${missing.join(", ")}` };
      }
      return { kind: "skipped", reason: `instance refs missing: ${missing.join(", ")}` };
    }
  }
  try {
    return await CLIENTS[connector](deliverable, env, attempt);
  } catch (err) {
    // A setting the operator must fix: dead-letter now, replay after the fix.
    if (err instanceof ConfigError) return { kind: "permanent", excerpt: "", reason: err.message };
    return { kind: "transient", excerpt: "", reason: `${REASON_UNEXPECTED}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
