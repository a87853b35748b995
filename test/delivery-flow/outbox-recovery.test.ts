/**
 * Nothing applied is lost when the queue send fails or the message vanishes, and a message the
 * queue delivers twice reaches the partner with the same delivery id and is recorded once.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryMessage } from "../../src/delivery/message";
import worker from "../../src/index";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { expireLeases, pendingMessages, setQueue, stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
});
afterEach(() => vi.restoreAllMocks());

const settled = (key: string, count: number) =>
  eventually(async () => {
    const d = await details(key);
    return d && d.deliveries.length >= count && d.deliveries.every((x) => x.status !== "pending") ? d : null;
  });

async function provisioned(): Promise<{ key: string; instanceId: string; orderId: string }> {
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await settled(key, 1);
  return { key, instanceId, orderId };
}

describe("outbox recovery", () => {
  it("a failed queue send is re-sent by the alarm: every delivery arrives once", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "fail");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expect((await pendingMessages(key)).map((m) => m.connector).sort()).toEqual(["koodrive", "mor", "vendor"]);
    await setQueue(key, "real");
    // The failed send shortened the lease to a few seconds; the real alarm fires on its own.
    const d = await settled(key, 4);
    expect(d.deliveries.every((x) => x.status === "delivered")).toBe(true);
    expect(partners.duplicateVendorIds).toBe(0);
  });

  it("a message lost after commit (eviction) is re-sent once its lease runs out", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await pendingMessages(key)).toHaveLength(3);
    await setQueue(key, "real");
    expect(await runDurableObjectAlarm(stubFor(key))).toBe(true);
    // Lease not over yet: nothing was sent again.
    expect(await pendingMessages(key)).toHaveLength(3);
    await expireLeases(key);
    await runDurableObjectAlarm(stubFor(key));
    const d = await settled(key, 4);
    expect(d.deliveries.every((x) => x.status === "delivered")).toBe(true);
    expect(partners.duplicateVendorIds).toBe(0);
  });

  it("a duplicate queue message after delivery is acked without reaching the partner again, and recorded once", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const vendor = (await pendingMessages(key)).find((m) => m.connector === "vendor")!;
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: `m${i}`, timestamp: new Date(), attempts: 1, body: vendor }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`m${i}`]);
    }
    const hooks = partners.of("vendor").filter((r) => r.headers["webhook-id"] === vendor.deliveryId);
    expect(hooks).toHaveLength(1);
    expect(partners.duplicateVendorIds).toBe(0);
    const record = (await details(key))!.deliveries.find((x) => x.deliveryId === vendor.deliveryId)!;
    expect(record.status).toBe("delivered");
    expect(record.attempts).toBe(1);
  });

  it("a late report from another copy never reopens a delivery that was settled: the next one may already be out", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const mor = (await pendingMessages(key)).find((m) => m.connector === "mor")!;
    const stub = stubFor(key);
    await stub.markDead(mor.deliveryId, "dead-lettered by an operator test");
    const attempt = { at: new Date().toISOString(), outcome: "transient", durationMs: 5, excerpt: "503" };
    const after = (await stub.recordAttempt({ deliveryId: mor.deliveryId, result: "retrying", attempt, reason: "HTTP 503" })) as { status: string } | null;
    expect(after?.status).toBe("dead");
    const record = (await details(key))!.deliveries.find((x) => x.deliveryId === mor.deliveryId)!;
    expect(record.status).toBe("dead");
    expect(record.reason).toBe("dead-lettered by an operator test");
  });
});

describe("attempt reports", () => {
  it("the same attempt reported twice (a report whose answer was lost) is recorded once", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const mor = (await pendingMessages(key)).find((m) => m.connector === "mor")!;
    const attempt = { at: new Date().toISOString(), outcome: "transient", durationMs: 5, excerpt: "503", nextRetryS: 30 };
    for (let i = 0; i < 2; i++) await stubFor(key).recordAttempt({ deliveryId: mor.deliveryId, result: "retrying", attempt, reason: "HTTP 503" });
    const record = (await details(key))!.deliveries.find((x) => x.deliveryId === mor.deliveryId)!;
    expect(record.attempts).toBe(1);
    expect(record.attemptLog).toHaveLength(1);
  });
});
