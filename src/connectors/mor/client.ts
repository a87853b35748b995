/**
 * @module connectors/mor/client
 * Keeps the MOR subscription in step: renew, expire and resume move `subscription_activation_end`,
 * release deletes it with MOR_DELETE_ACTION. MOR has no idempotency key, but both calls are
 * idempotent by nature (mor.md §C.6), so a retry after a timeout is safe.
 */
import type { Bindings } from "../../bindings";
import { morConfig } from "../../config";
import type { DeliveryMessage } from "../../delivery/message";
import type { AttemptOutcome } from "../../delivery/outcome";
import { attemptFetch, isRedirect } from "../http";
import { fromHttpError, fromRedirect } from "../outcome-from-http";
import { subscriptionDelete, subscriptionUpdate, type MorRequest } from "./requests";
import { classifyMorResponse } from "./response";

/** `attempt`: this message's delivery attempt, 1 for the first (a retry may find its delete done). */
export async function deliverToMor(message: DeliveryMessage, env: Bindings, attempt = 1): Promise<AttemptOutcome> {
  const config = morConfig(env);
  const subscriptionId = message.refs["mor.subscriptionId"] ?? "";
  // A malformed ref will not fix itself by retrying: dead-letter it so an operator corrects the ref.
  if (!/^\d+$/.test(subscriptionId)) {
    return { kind: "permanent", excerpt: "", reason: `instance ref mor.subscriptionId must be a MOR subscription id (digits), got ${JSON.stringify(subscriptionId.slice(0, 40))}` };
  }
  const common = { baseUrl: config.baseUrl, username: config.username, secret: config.secret, subscriptionId };
  const { event } = message;
  let request: MorRequest;
  if (event.type === "instance.released") {
    request = await subscriptionDelete({ ...common, action: config.deleteAction });
  } else if (event.type === "instance.resumed") {
    // The freeze moved the end to the moment it froze; the resume puts back the paid-up end, or
    // "until canceled" for an instance that never had one.
    const end = event.instance.expiresAt;
    request = await subscriptionUpdate(end ? { ...common, activationEndS: Math.floor(Date.parse(end) / 1000) } : { ...common, untilCanceled: true });
  } else {
    // Renewed: the paid-up end. Expired: the moment it froze, so billing stops there.
    const end = event.type === "instance.renewed" ? event.instance.expiresAt : event.occurredAt;
    if (!end) return { kind: "permanent", excerpt: "", reason: "the renewed instance has no expiry to send as subscription_activation_end" };
    request = await subscriptionUpdate({ ...common, activationEndS: Math.floor(Date.parse(end) / 1000) });
  }
  const result = await attemptFetch(request.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: request.form.toString(),
  });
  if (result.kind === "error") return fromHttpError(result);
  if (isRedirect(result.status)) return fromRedirect("MOR", "MOR_BASE_URL", result);
  return classifyMorResponse(result.status, result.text, { method: request.method, action: config.deleteAction, retry: attempt > 1 });
}
