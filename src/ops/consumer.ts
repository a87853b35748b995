/**
 * @module ops/consumer
 * The `lifecycle-ops-events` queue consumer: sends each operational event to OPS_WEBHOOK_URL,
 * signed per Standard Webhooks with OPS_WEBHOOK_SECRET (the vendor connector's signer), and
 * settles it by the same retry policy as a partner delivery. An event the policy gives up on is
 * recorded dead in the ops outbox, and nothing more: no operational event is about another.
 */
import type { Bindings } from "../bindings";
import { ConfigError, opsConfig } from "../config";
import { attemptFetch } from "../connectors/http";
import { fromHttpError } from "../connectors/outcome-from-http";
import { webhookHeaders } from "../connectors/vendor-webhook/standard-webhooks";
import { classifyHttpStatus, excerpt, parseRetryAfter, type AttemptOutcome } from "../delivery/outcome";
import { nextRetryDelay } from "../delivery/retry-policy";
import { logAttempt, type AttemptLine } from "../delivery/attempt-log";
import type { OpsMessage } from "./message";
import { opsOutbox } from "./relay";

const INTERNAL_RETRY_S = 30;

export async function consumeOpsEvents(batch: MessageBatch<OpsMessage>, env: Bindings): Promise<void> {
  await Promise.all(batch.messages.map((message) => settle(message, env)));
}

function classifyOpsResponse(status: number, text: string, retryAfter: string | null, nowMs: number): AttemptOutcome {
  const logged = excerpt(text, 200);
  const reason = `operations endpoint answered HTTP ${status}`;
  switch (classifyHttpStatus(status)) {
    case "ok":
      return { kind: "delivered", status, excerpt: logged };
    case "transient": {
      const retryAfterS = parseRetryAfter(retryAfter, nowMs);
      return retryAfterS === undefined
        ? { kind: "transient", status, excerpt: logged, reason }
        : { kind: "transient", status, excerpt: logged, reason, retryAfterS };
    }
    case "permanent":
      return { kind: "permanent", status, excerpt: logged, reason };
  }
}

async function deliverOpsEvent(message: OpsMessage, env: Bindings): Promise<AttemptOutcome> {
  let config;
  try {
    config = opsConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { kind: "permanent", excerpt: "", reason: err.message };
    throw err;
  }
  const body = JSON.stringify(message.event);
  const headers = await webhookHeaders({ secret: config.secret, id: message.deliveryId, timestampS: Math.floor(Date.now() / 1000), body });
  const result = await attemptFetch(config.url, { method: "POST", headers: { ...headers, "user-agent": "lifecycle-gateway" }, body });
  if (result.kind === "error") return fromHttpError(result);
  return classifyOpsResponse(result.status, result.text, result.retryAfter, Date.now());
}

async function settle(message: Message<OpsMessage>, env: Bindings): Promise<void> {
  const ops = message.body;
  const outbox = opsOutbox(env);
  try {
    const started = Date.now();
    const verdict = await deliverOpsEvent(ops, env);
    const ms = Date.now() - started;
    const status = verdict.status !== undefined ? { status: verdict.status } : {};
    if (verdict.kind === "delivered") {
      await outbox.recordAttempt({ deliveryId: ops.deliveryId, result: "delivered", ...status });
      message.ack();
      log(ops, "delivered", message.attempts, ms);
      return;
    }
    const decision =
      verdict.kind === "permanent"
        ? { retry: false as const, reason: verdict.reason }
        : nextRetryDelay({ attempt: message.attempts, outcome: verdict, random: Math.random });
    if (decision.retry) {
      await outbox.recordAttempt({ deliveryId: ops.deliveryId, result: "retrying", nextRetryS: decision.delayS, reason: verdict.reason, ...status });
      message.retry({ delaySeconds: decision.delayS });
      log(ops, "retrying", message.attempts, ms, verdict.reason, decision.delayS);
      return;
    }
    const reason = verdict.kind === "permanent" ? verdict.reason : `${decision.reason}; last error: ${verdict.reason}`;
    await outbox.recordAttempt({ deliveryId: ops.deliveryId, result: "dead", reason, ...status });
    message.ack();
    log(ops, "dead", message.attempts, ms, reason);
  } catch (err) {
    console.error({ msg: "ops consumer error", deliveryId: ops.deliveryId, error: err instanceof Error ? err.message : String(err) });
    message.retry({ delaySeconds: INTERNAL_RETRY_S });
  }
}

function log(ops: OpsMessage, ...line: AttemptLine): void {
  logAttempt({ queue: "ops-events", deliveryId: ops.deliveryId, connector: "ops", type: ops.event.type }, ...line);
}
