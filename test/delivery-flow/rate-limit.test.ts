/**
 * Rate limit per partner: deliveries over CONNECTOR_RATE_LIMITS go back on the queue after the
 * wait without spending an attempt, and a partner's 429 with Retry-After holds and lowers the rate.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { DeliveryMessage } from "../../src/delivery/message";
import { forgetRates } from "../../src/gate/admission";
import { effectiveRate, fullBucket, takeToken, throttled } from "../../src/gate/rate-limit";
import worker from "../../src/index";
import { resetGates } from "../support/gates";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { pendingMessages, setQueue } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(async () => {
  partners = installPartners();
  forgetRates();
  await resetGates();
});
afterEach(async () => {
  vi.restoreAllMocks();
  forgetRates();
  await resetGates();
});

/** MOR deliveries of several expired instances, held out of the queue so the test feeds them. */
async function morDeliveries(n: number): Promise<DeliveryMessage[]> {
  const out: DeliveryMessage[] = [];
  for (let i = 0; i < n; i++) {
    partners.provisionReply = { refs: { "mor.subscriptionId": String(500 + i), "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    out.push((await pendingMessages(key)).find((m) => m.connector === "mor")!);
  }
  return out;
}

async function consume(messages: Array<{ body: DeliveryMessage; attempts: number }>, bindings: Partial<Bindings>) {
  const requeued: Array<{ body: DeliveryMessage; delaySeconds: number | undefined }> = [];
  const recording: Bindings = {
    ...env,
    ...bindings,
    DELIVERIES: {
      send: async (body: DeliveryMessage, o?: QueueSendOptions) => void requeued.push({ body, delaySeconds: o?.delaySeconds }),
    } as unknown as Queue,
  };
  const batch = createMessageBatch<DeliveryMessage>(
    "lifecycle-deliveries",
    messages.map((m, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: m.attempts, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, recording, ctx);
  return { requeued, result: await getQueueResult(batch, ctx) };
}

describe("rate limit per partner", () => {
  it("deliveries over the limit wait on the queue without spending an attempt", async () => {
    const messages = await morDeliveries(3);
    const sentBefore = partners.of("mor").length;
    const { requeued, result } = await consume(
      [
        { body: messages[0]!, attempts: 1 },
        { body: messages[1]!, attempts: 1 },
        { body: { ...messages[2]!, priorAttempts: 4 }, attempts: 2 },
      ],
      { CONNECTOR_RATE_LIMITS: "mor=1" },
    );
    // One request went to MOR; the other two are acked and sent again with a delay.
    expect(partners.of("mor").length - sentBefore).toBe(1);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(requeued).toHaveLength(2);
    for (const r of requeued) expect(r.delaySeconds).toBeGreaterThanOrEqual(1);
    // The attempts made so far travel with the message; the rate wait adds none.
    const expected = new Map([
      [messages[0]!.deliveryId, 0],
      [messages[1]!.deliveryId, 0],
      [messages[2]!.deliveryId, 5],
    ]);
    for (const r of requeued) expect(r.body.priorAttempts).toBe(expected.get(r.body.deliveryId));
    // Nothing was recorded as an attempt for the waiting ones.
    for (const r of requeued) {
      const d = (await details(r.body.instanceKey))!.deliveries.find((x) => x.deliveryId === r.body.deliveryId)!;
      expect(d.attempts).toBe(0);
    }
  });

  it("a 429 with Retry-After holds the partner for that long and lowers its rate", async () => {
    const messages = await morDeliveries(2);
    partners.fail("mor", 1, 429, "slow down");
    partners.faults.get("mor")!.headers = { "retry-after": "30" };
    const first = await consume([{ body: messages[0]!, attempts: 1 }], { CONNECTOR_RATE_LIMITS: "mor=100" });
    expect(first.result.retryMessages).toHaveLength(1);
    const sentBefore = partners.of("mor").length;
    const second = await consume([{ body: messages[1]!, attempts: 1 }], { CONNECTOR_RATE_LIMITS: "mor=100" });
    expect(partners.of("mor").length).toBe(sentBefore);
    expect(second.requeued).toHaveLength(1);
    expect(second.requeued[0]!.delaySeconds).toBeGreaterThanOrEqual(29);
    expect(second.requeued[0]!.body.priorAttempts).toBe(0);
  });

  it("the bucket: a burst of one second's worth, then one token per 1/rate; a 429 halves the rate", () => {
    let b = fullBucket(2, 0);
    const taken = [0, 0, 0].map(() => {
      const t = takeToken(b, 2, 0);
      b = t.bucket;
      return t.ok;
    });
    expect(taken).toEqual([true, true, false]);
    expect(takeToken(b, 2, 0).waitMs).toBe(500);
    expect(takeToken(b, 2, 500).ok).toBe(true);
    const low = throttled(fullBucket(2, 0), 1000, 10);
    expect(takeToken(low, 2, 5000)).toMatchObject({ ok: false, waitMs: 6000 });
    expect(effectiveRate(low, 2, 12_000)).toBe(1);
    expect(effectiveRate(low, 2, 1000 + 11 * 60_000)).toBe(2);
  });
});
