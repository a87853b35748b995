/**
 * @module connectors/mor/client
 * Keeps the MOR subscription in step: renew, expire and resume move `subscription_activation_end`,
 * release deletes it with MOR_DELETE_ACTION. MOR has no idempotency key, but both calls are
 * idempotent by nature (docs/mor.md §C.6), so a retry after a timeout is safe.
 */
import type { Bindings } from "../../bindings";
import { morConfig } from "../../config";
import type { DeliveryMessage } from "../../delivery/message";
import { parseRetryAfter, type AttemptOutcome } from "../../delivery/outcome";
import { attemptFetch, isRedirect } from "../http";
import { fromHttpError, fromRedirect } from "../outcome-from-http";
import { subscriptionDelete, subscriptionUpdate, type MorRequest } from "./requests";
import { classifyMorResponse } from "./response";
import { morTarget } from "./target";

/** `attempt`: this message's delivery attempt, 1 for the first (a retry may find its delete done). */
export async function deliverToMor(message: DeliveryMessage, env: Bindings, attempt = 1): Promise<AttemptOutcome> {
  const config = morConfig(env);
  const subscriptionId = message.refs["mor.subscriptionId"] ?? "";
  // A malformed ref will not fix itself by retrying: dead-letter it so an operator corrects the ref.
  if (!/^\d+$/.test(subscriptionId)) {
    return {
      kind: "permanent",
      excerpt: "",
      reason: `instance ref mor.subscriptionId must be a MOR subscription id (digits), got ${JSON.stringify(subscriptionId.slice(0, 40))}`,
    };
  }
  const common = { baseUrl: config.baseUrl, username: config.username, secret: config.secret, subscriptionId };
  const { event } = message;
  let request: MorRequest;
  const target = morTarget(event);
  if (!target) return { kind: "permanent", excerpt: "", reason: "the renewed instance has no expiry to send as subscription_activation_end" };
  if (target.kind === "gone") request = await subscriptionDelete({ ...common, action: config.deleteAction });
  else request = await subscriptionUpdate(target.kind === "end" ? { ...common, activationEndS: target.endS } : { ...common, untilCanceled: true });
  const result = await attemptFetch(request.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: request.form.toString(),
  });
  if (result.kind === "error") return fromHttpError(result);
  if (isRedirect(result.status)) return fromRedirect("MOR", "MOR_BASE_URL", result);
  const outcome = classifyMorResponse(result.status, result.text, { method: request.method, action: config.deleteAction, retry: attempt > 1 });
  // A 429's Retry-After lowers the connector's rate for a while (gate/rate-limit.ts).
  if (outcome.kind !== "transient") return outcome;
  const retryAfterS = parseRetryAfter(result.retryAfter, Date.now());
  return retryAfterS === undefined ? outcome : { ...outcome, retryAfterS };
}
