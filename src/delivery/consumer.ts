/**
 * @module delivery/consumer
 * The `lifecycle-deliveries` queue consumer. Each message is settled on its own (ack, retry with
 * the policy's delay, or dead-letter), so one failing partner never retries a whole batch. Every
 * attempt is reported to the instance's Durable Object before the message is settled: if the
 * report fails the message is retried, and the partner may see the same delivery id again, which
 * is what the id is for.
 *
 * Before an attempt the connector's gate is asked whether its partner is paused; if it is (or a
 * failed attempt finds it paused), the delivery is parked in its instance without spending the
 * attempt (`gate/admission.ts`). Each batch ends with one projection to the operations index.
 */
import type { Bindings } from "../bindings";
import type { AttemptReport } from "../instance/instance-object";
import { logAttempt, type AttemptLine } from "./attempt-log";
import { REASON_REFS_WAIT, runDelivery, type DeliveryVerdict } from "./connectors";
import type { DeadLetterMessage, DeliveryMessage } from "./message";
import { nextRetryDelay } from "./retry-policy";
import { retryDelayScale } from "../config";
import { VendorProvisionReply } from "../connectors/vendor-webhook/response";
import { boundReply } from "../instance/refs-limits";
import { MAX_REASON_CHARS } from "./message-size";
import { excerpt } from "./outcome";
import { admission, noteRateVerdict, park, pausedAfterFailure, rateWait } from "../gate/admission";
import { DeliveryJournal } from "../projection/journal";
import { instanceObject } from "../instance/stub";

/** How often a delivery that waits for its refs looks again (scaled like every other wait). */
const REFS_WAIT_POLL_S = 15;

/** When the consumer itself fails (not the partner), try the message again soon. */
const INTERNAL_RETRY_S = 30;

export async function consumeDeliveries(batch: MessageBatch<DeliveryMessage>, env: Bindings): Promise<void> {
  const journal = new DeliveryJournal();
  await Promise.all(batch.messages.map((message) => settle(message, env, journal)));
  await journal.flush(env);
}

async function settle(message: Message<DeliveryMessage>, env: Bindings, journal: DeliveryJournal): Promise<void> {
  const delivery = message.body;
  let scale = 1;
  try {
    scale = retryDelayScale(env);
    const instance = instanceObject(env, delivery.instanceKey);
    const waitMs = rateWait(env, delivery.connector);
    if (waitMs > 0) return await overRate(message, env, waitMs);
    const gate = await admission(env, delivery);
    if (!gate.admit) return await parked(message, env, 0);
    // Queues deliver at least once, and the outbox re-sends what it heard nothing about: a copy of
    // a delivery that is no longer in flight must not reach the partner, where an old effect could
    // land after a newer one.
    const outlook = await instance.deliveryOutlook(delivery.deliveryId);
    if (!outlook?.claimed) {
      // Settled, parked, or another copy is being attempted (its report, or the outbox's lease if
      // that consumer dies, takes it from there): this copy is redundant.
      message.ack();
      log(
        delivery,
        `not attempted: ${outlook?.status === "pending" ? "another copy in flight" : (outlook?.status ?? "unknown")}`,
        (delivery.priorAttempts ?? 0) + message.attempts,
        0,
      );
      return;
    }
    const started = Date.now();
    const verdict = await runDelivery(delivery, env, message.attempts, outlook);
    noteRateVerdict(env, delivery.connector, verdict);
    const durationMs = Date.now() - started;
    const attempt = { at: new Date(started).toISOString(), outcome: verdict.kind, durationMs, ...details(verdict) };

    if (verdict.kind === "delivered" || verdict.kind === "skipped") {
      const { note, ...reply } = provisionReply(delivery, verdict);
      const reason = verdict.kind === "skipped" ? verdict.reason : note;
      const record = await instance.recordAttempt({
        deliveryId: delivery.deliveryId,
        result: verdict.kind,
        attempt,
        ...reply,
        ...(reason ? { reason: bounded(reason) } : {}),
      });
      journal.attempted(delivery, record, verdict.kind, gate);
      message.ack();
      log(delivery, verdict.kind, (delivery.priorAttempts ?? 0) + message.attempts, durationMs, verdict.kind === "skipped" ? verdict.reason : undefined);
      return;
    }
    // Waiting for refs is not an attempt: the partner was not called, and a vendor outage that
    // holds back the provisioning reply must not use up this delivery's retries.
    if (verdict.kind === "transient" && verdict.reason.startsWith(REASON_REFS_WAIT)) {
      const delayS = Math.max(1, Math.round(REFS_WAIT_POLL_S * scale));
      await instance.recordAttempt({
        deliveryId: delivery.deliveryId,
        result: "retrying",
        attempt: { ...attempt, nextRetryS: delayS },
        reason: bounded(verdict.reason),
        counts: false,
      });
      const priorAttempts = (delivery.priorAttempts ?? 0) + message.attempts - 1;
      await env.DELIVERIES.send({ ...delivery, priorAttempts }, { contentType: "json", delaySeconds: delayS });
      message.ack();
      log(delivery, "waiting for refs", priorAttempts, durationMs, verdict.reason, delayS);
      return;
    }
    // The partner was paused meanwhile (this failure may have tripped the breaker): not an attempt spent.
    if (await pausedAfterFailure(env, delivery, verdict)) return await parked(message, env, durationMs, verdict.reason);
    // A delivery woken after a pause counts on from the attempts it had made before.
    const attemptNo = (delivery.priorAttempts ?? 0) + message.attempts;
    const decision =
      verdict.kind === "permanent"
        ? { retry: false as const, reason: verdict.reason }
        : nextRetryDelay({ attempt: attemptNo, outcome: verdict, random: Math.random, scale });
    if (decision.retry) {
      const record = await instance.recordAttempt({
        deliveryId: delivery.deliveryId,
        result: "retrying",
        attempt: { ...attempt, nextRetryS: decision.delayS },
        reason: bounded(verdict.reason),
      });
      journal.attempted(delivery, record, "retrying", gate);
      // Settled meanwhile by another copy or by the object itself: this copy is done.
      if (record && record.status !== "pending") {
        message.ack();
        return;
      }
      message.retry({ delaySeconds: decision.delayS });
      log(delivery, "retrying", attemptNo, durationMs, verdict.reason, decision.delayS);
      return;
    }
    // Bounded: partner text (a MOR message, a KooDrive msg) must not push the dead letter over 128 KB.
    const reason = bounded(verdict.kind === "permanent" ? verdict.reason : `${decision.reason}; last error: ${verdict.reason}`);
    const dead: DeadLetterMessage = { ...delivery, reason, attempts: attemptNo, deadAt: new Date().toISOString() };
    await env.DEAD_LETTERS.send(dead);
    const record = await instance.recordAttempt({ deliveryId: delivery.deliveryId, result: "dead", attempt, reason });
    journal.attempted(delivery, record, "dead", gate);
    message.ack();
    log(delivery, "dead-lettered", attemptNo, durationMs, reason);
  } catch (err) {
    console.error({
      msg: "delivery consumer error",
      deliveryId: delivery.deliveryId,
      instance: delivery.instanceKey,
      connector: delivery.connector,
      error: err instanceof Error ? err.message : String(err),
    });
    message.retry({ delaySeconds: Math.round(INTERNAL_RETRY_S * scale) });
  }
}

/** Partner paused: the delivery waits in its instance, in order, and this message is done. */
async function parked(message: Message<DeliveryMessage>, env: Bindings, durationMs: number, reason?: string): Promise<void> {
  await park(env, message.body);
  message.ack();
  log(message.body, "parked", (message.body.priorAttempts ?? 0) + message.attempts, durationMs, reason);
}

/**
 * Over the partner's rate: the same delivery goes back on the queue after the wait, carrying the
 * attempts made so far (as a woken parked delivery does), so the wait spends no attempt. Its
 * outbox lease is minutes long, far beyond such a wait.
 */
async function overRate(message: Message<DeliveryMessage>, env: Bindings, waitMs: number): Promise<void> {
  const priorAttempts = (message.body.priorAttempts ?? 0) + message.attempts - 1;
  await env.DELIVERIES.send({ ...message.body, priorAttempts }, { contentType: "json", delaySeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
  message.ack();
  log(message.body, "rate-limited", priorAttempts + 1, 0, undefined, Math.max(1, Math.ceil(waitMs / 1000)));
}

function details(verdict: DeliveryVerdict): Pick<AttemptReport["attempt"], "status" | "excerpt"> {
  if (verdict.kind === "skipped") return { excerpt: verdict.reason };
  return { ...(verdict.status !== undefined ? { status: verdict.status } : {}), excerpt: verdict.excerpt || ("reason" in verdict ? verdict.reason : "") };
}

/**
 * The vendor's answer to instance.provisioned may carry the instance's refs and app info, within
 * the caps of instance/refs-limits; `note` names what was left out.
 */
function provisionReply(delivery: DeliveryMessage, verdict: DeliveryVerdict): Pick<AttemptReport, "refs" | "appInfo"> & { note?: string } {
  if (verdict.kind !== "delivered" || delivery.connector !== "vendor" || delivery.event.type !== "instance.provisioned") return {};
  const reply = VendorProvisionReply.safeParse(verdict.data);
  if (!reply.success) return {};
  const { refs, appInfo, ignored } = boundReply(reply.data);
  return {
    ...(refs ? { refs } : {}),
    ...(appInfo ? { appInfo } : {}),
    ...(ignored.length > 0 ? { note: `vendor reply not stored: ${ignored.join(", ")}` } : {}),
  };
}

const bounded = (reason: string): string => excerpt(reason, MAX_REASON_CHARS);

function log(delivery: DeliveryMessage, ...line: AttemptLine): void {
  logAttempt(
    { queue: "deliveries", instance: delivery.instanceKey, deliveryId: delivery.deliveryId, connector: delivery.connector, type: delivery.event.type },
    ...line,
  );
}
