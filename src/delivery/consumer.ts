/**
 * @module delivery/consumer
 * The `lifecycle-deliveries` queue consumer. Each message is settled on its own (ack, retry with
 * the policy's delay, or dead-letter), so one failing partner never retries a whole batch. Every
 * attempt is reported to the instance's Durable Object before the message is settled: if the
 * report fails the message is retried, and the partner may see the same delivery id again, which
 * is what the id is for.
 */
import type { Bindings } from "../bindings";
import type { AttemptReport } from "../instance/instance-object";
import { runDelivery, type DeliveryVerdict } from "./connectors";
import type { DeadLetterMessage, DeliveryMessage } from "./message";
import { nextRetryDelay } from "./retry-policy";
import { retryDelayScale } from "../config";
import { VendorProvisionReply } from "../connectors/vendor/response";

/** When the consumer itself fails (not the partner), try the message again soon. */
const INTERNAL_RETRY_S = 30;

export async function consumeDeliveries(batch: MessageBatch<DeliveryMessage>, env: Bindings): Promise<void> {
  await Promise.all(batch.messages.map((message) => settle(message, env)));
}

async function settle(message: Message<DeliveryMessage>, env: Bindings): Promise<void> {
  const delivery = message.body;
  let scale = 1;
  try {
    scale = retryDelayScale(env);
    const started = Date.now();
    const verdict = await runDelivery(delivery, env);
    const durationMs = Date.now() - started;
    const instance = env.INSTANCES.get(env.INSTANCES.idFromName(delivery.instanceKey));
    const attempt = { at: new Date(started).toISOString(), outcome: verdict.kind, durationMs, ...details(verdict) };

    if (verdict.kind === "delivered" || verdict.kind === "skipped") {
      await instance.recordAttempt({ deliveryId: delivery.deliveryId, result: verdict.kind, attempt, ...provisionReply(delivery, verdict), ...(verdict.kind === "skipped" ? { reason: verdict.reason } : {}) });
      message.ack();
      log(delivery, verdict.kind, message.attempts, durationMs);
      return;
    }
    const decision = verdict.kind === "permanent" ? { retry: false as const, reason: verdict.reason } : nextRetryDelay({ attempt: message.attempts, outcome: verdict, random: Math.random, scale });
    if (decision.retry) {
      await instance.recordAttempt({ deliveryId: delivery.deliveryId, result: "retrying", attempt: { ...attempt, nextRetryS: decision.delayS }, reason: verdict.reason });
      message.retry({ delaySeconds: decision.delayS });
      log(delivery, `retry in ${decision.delayS}s`, message.attempts, durationMs, verdict.reason);
      return;
    }
    const reason = verdict.kind === "permanent" ? verdict.reason : `${decision.reason}; last error: ${verdict.reason}`;
    const dead: DeadLetterMessage = { ...delivery, reason, attempts: message.attempts, deadAt: new Date().toISOString() };
    await env.DEAD_LETTERS.send(dead);
    await instance.recordAttempt({ deliveryId: delivery.deliveryId, result: "dead", attempt, reason });
    message.ack();
    log(delivery, "dead-lettered", message.attempts, durationMs, reason);
  } catch (err) {
    console.error(JSON.stringify({ msg: "delivery consumer error", deliveryId: delivery.deliveryId, error: err instanceof Error ? err.message : String(err) }));
    message.retry({ delaySeconds: Math.round(INTERNAL_RETRY_S * scale) });
  }
}

function details(verdict: DeliveryVerdict): Pick<AttemptReport["attempt"], "status" | "excerpt"> {
  if (verdict.kind === "skipped") return { excerpt: verdict.reason };
  return { ...(verdict.status !== undefined ? { status: verdict.status } : {}), excerpt: verdict.excerpt || ("reason" in verdict ? verdict.reason : "") };
}

/** The vendor's answer to instance.provisioned may carry the instance's refs and app info. */
function provisionReply(delivery: DeliveryMessage, verdict: DeliveryVerdict): Pick<AttemptReport, "refs" | "appInfo"> {
  if (verdict.kind !== "delivered" || delivery.connector !== "vendor" || delivery.event.type !== "instance.provisioned") return {};
  const reply = VendorProvisionReply.safeParse(verdict.data);
  if (!reply.success) return {};
  return { ...(reply.data.refs ? { refs: reply.data.refs } : {}), ...(reply.data.appInfo ? { appInfo: reply.data.appInfo } : {}) };
}

function log(delivery: DeliveryMessage, result: string, attempt: number, ms: number, reason?: string): void {
  console.log(JSON.stringify({ queue: "deliveries", deliveryId: delivery.deliveryId, connector: delivery.connector, type: delivery.event.type, instance: delivery.instanceKey, attempt, result, ms, ...(reason ? { reason } : {}) }));
}

