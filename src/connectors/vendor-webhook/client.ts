/**
 * @module connectors/vendor-webhook/client
 * Delivers a canonical event to the vendor's webhook, signed per Standard Webhooks. The
 * delivery id is the `webhook-id`, so the vendor can deduplicate retries and replays.
 */
import type { Bindings } from "../../bindings";
import { vendorConfig } from "../../config";
import type { DeliveryMessage } from "../../delivery/message";
import type { AttemptOutcome } from "../../delivery/outcome";
import { attemptFetch, isRedirect } from "../http";
import { fromHttpError, fromRedirect } from "../outcome-from-http";
import { classifyVendorResponse } from "./response";
import { webhookHeaders } from "./standard-webhooks";

export async function deliverToVendor(message: DeliveryMessage, env: Bindings): Promise<AttemptOutcome> {
  const config = vendorConfig(env);
  const body = JSON.stringify(message.event);
  const headers = await webhookHeaders({ secret: config.secret, id: message.deliveryId, timestampS: Math.floor(Date.now() / 1000), body });
  const result = await attemptFetch(config.url, { method: "POST", headers: { ...headers, "user-agent": "lifecycle-gateway" }, body });
  if (result.kind === "error") return fromHttpError(result);
  if (isRedirect(result.status)) return fromRedirect("vendor endpoint", "VENDOR_WEBHOOK_URL", result);
  return classifyVendorResponse(result.status, result.text, result.retryAfter, Date.now());
}
