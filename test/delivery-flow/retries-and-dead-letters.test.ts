/**
 * The consumer driven message by message: retry delays from the policy, dead-lettering of
 * permanent and exhausted failures, the dead-letter index, and replay.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import { listDeadLetters } from "../../src/delivery/dead-letters";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/delivery/message";
import { MAX_ATTEMPTS } from "../../src/delivery/retry-policy";
import worker from "../../src/index";
import type { DeliveryRecord } from "../../src/instance/records";
import { instanceIdForOrder, newInstanceOrderKey } from "../../src/marketplaces/koogallery/commands";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { pendingMessages, setQueue, stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
  // Pin the jitter at its midpoint: delays are then exactly the schedule's base delays.
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(() => vi.restoreAllMocks());

/** An expired instance whose three deliveries sit in the outbox, not on the queue. */
async function expiredWithHeldDeliveries(): Promise<{ key: string; messages: DeliveryMessage[] }> {
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
  await setQueue(key, "lose");
  expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
  return { key, messages: await pendingMessages(key) };
}

/** Runs the deliveries consumer on one message; returns how it was settled and what went to the DLQ. */
async function consumeOnce(message: DeliveryMessage, attempts: number) {
  const deadLetters: DeadLetterMessage[] = [];
  const recordingEnv: Bindings = { ...env, DEAD_LETTERS: { send: async (m: DeadLetterMessage) => void deadLetters.push(m) } as unknown as Queue };
  const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: "msg", timestamp: new Date(), attempts, body: message }]);
  // getQueueResult does not report retry delays; observe them on the message itself.
  const retry = vi.spyOn(batch.messages[0]!, "retry");
  const ctx = createExecutionContext();
  await worker.queue(batch, recordingEnv, ctx);
  const delays = retry.mock.calls.map(([options]) => options?.delaySeconds);
  return { result: await getQueueResult(batch, ctx), deadLetters, delays };
}

const deliveryRecord = async (key: string, id: string): Promise<DeliveryRecord> => (await details(key))!.deliveries.find((d) => d.deliveryId === id)!;

describe("retries", () => {
  it("a partner that fails twice then succeeds: delivered once, three attempts, delays 5 s then 30 s", async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const kd = messages.find((m) => m.connector === "koodrive")!;
    partners.fail("koodrive", 2, 503, undefined, "notifyPackageExpire");
    const first = await consumeOnce(kd, 1);
    expect(first.result.retryMessages).toEqual([{ msgId: "msg" }]);
    expect(first.delays).toEqual([5]);
    const second = await consumeOnce(kd, 2);
    expect(second.delays).toEqual([30]);
    const third = await consumeOnce(kd, 3);
    expect(third.result.explicitAcks).toEqual(["msg"]);
    const record = await deliveryRecord(key, kd.deliveryId);
    expect(record.status).toBe("delivered");
    expect(record.attempts).toBe(3);
    expect(record.attemptLog.map((a) => [a.outcome, a.status, a.nextRetryS])).toEqual([
      ["transient", 503, 5],
      ["transient", 503, 30],
      ["delivered", 200, undefined],
    ]);
    expect(partners.of("koodrive").filter((r) => r.path.endsWith("notifyPackageExpire") && r.answered === 200)).toHaveLength(1);
  });

  it("a 429 waits at least the 60 s overload floor", async () => {
    const { messages } = await expiredWithHeldDeliveries();
    const vendor = messages.find((m) => m.connector === "vendor")!;
    partners.faults.set("vendor", { times: 1, status: 429 });
    const { delays } = await consumeOnce(vendor, 1);
    expect(delays).toEqual([60]);
  });

  it("KooDrive rejecting the token: refreshed, then a fresh login, within one attempt", async () => {
    // Warm the session with one instance's delivery, then make KooDrive forget every token it issued.
    const warm = await expiredWithHeldDeliveries();
    await consumeOnce(
      warm.messages.find((m) => m.connector === "koodrive")!,
      1,
    );
    const { key, messages } = await expiredWithHeldDeliveries();
    const kd = messages.find((m) => m.connector === "koodrive")!;
    partners.revokeTokens();
    const loginsBefore = partners.logins;
    const { result } = await consumeOnce(kd, 1);
    expect(result.explicitAcks).toEqual(["msg"]);
    // The refresh is refused (its access token was revoked too), so exactly one new login.
    expect(partners.logins).toBe(loginsBefore + 1);
    const record = await deliveryRecord(key, kd.deliveryId);
    expect(record.status).toBe("delivered");
  });
});

describe("dead letters", () => {
  it("a permanent error is dead-lettered at once, indexed, and replayable to a partner that recovered", async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const mor = messages.find((m) => m.connector === "mor")!;
    partners.fail("mor", 1, 200, "<page><status><error>Access Denied</error></status></page>");
    const { result, deadLetters } = await consumeOnce(mor, 1);
    expect(result.explicitAcks).toEqual(["msg"]);
    expect(result.retryMessages).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.reason).toContain("Access Denied");
    expect(partners.of("mor").filter((r) => r.path.endsWith("subscription_update"))).toHaveLength(1);
    expect((await deliveryRecord(key, mor.deliveryId)).status).toBe("dead");

    // The dead-letter queue's consumer records it in the listable index.
    const dlqBatch = createMessageBatch<DeadLetterMessage>("lifecycle-dead-letters", [{ id: "dl", timestamp: new Date(), attempts: 1, body: deadLetters[0]! }]);
    const ctx = createExecutionContext();
    await worker.queue(dlqBatch, env, ctx);
    expect((await getQueueResult(dlqBatch, ctx)).explicitAcks).toEqual(["dl"]);
    const page = await listDeadLetters(env.CACHE, { limit: 50 });
    expect(page.items.find((i) => i.deliveryId === mor.deliveryId)).toMatchObject({
      instanceKey: key,
      connector: "mor",
      eventType: "instance.expired",
      attempts: 1,
    });

    // Replay: queued again, delivered by the real consumer to the now healthy partner.
    await setQueue(key, "real");
    const replay = (await stubFor(key).replay(mor.deliveryId)) as { replayed: boolean };
    expect(replay.replayed).toBe(true);
    await eventually(async () => (await deliveryRecord(key, mor.deliveryId)).status === "delivered");
    expect(partners.of("mor").filter((r) => r.path.endsWith("subscription_update") && r.verified && r.answered === 200).length).toBeGreaterThanOrEqual(1);
  });

  it(`a transient failure on attempt ${MAX_ATTEMPTS} is dead-lettered as exhausted`, async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const vendor = messages.find((m) => m.connector === "vendor")!;
    partners.fail("vendor", 1, 503);
    const { result, deadLetters } = await consumeOnce(vendor, MAX_ATTEMPTS);
    expect(result.retryMessages).toEqual([]);
    expect(deadLetters[0]!.reason).toMatch(/retries exhausted after 15 attempts/);
    expect((await deliveryRecord(key, vendor.deliveryId)).status).toBe("dead");
  });

  it("a delivered delivery is not replayed", async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const vendor = messages.find((m) => m.connector === "vendor")!;
    await consumeOnce(vendor, 1);
    const replay = (await stubFor(key).replay(vendor.deliveryId)) as { replayed: boolean; message?: string };
    expect(replay).toMatchObject({ replayed: false, message: "delivery is delivered" });
  });
});

describe("admin replay", () => {
  it("POST /admin/deliveries/{id}/replay sends a dead-lettered delivery to the recovered partner with the same id", async () => {
    const { exports } = await import("cloudflare:workers");
    const { key, messages } = await expiredWithHeldDeliveries();
    const vendor = messages.find((m) => m.connector === "vendor")!;
    partners.fail("vendor", 1, 410);
    const { deadLetters } = await consumeOnce(vendor, 1);
    const dlq = createMessageBatch<DeadLetterMessage>("lifecycle-dead-letters", [{ id: "dl", timestamp: new Date(), attempts: 1, body: deadLetters[0]! }]);
    await worker.queue(dlq, env, createExecutionContext());
    await setQueue(key, "real");

    const response = await exports.default.fetch(
      new Request(`https://gateway.test/admin/deliveries/${vendor.deliveryId}/replay`, {
        method: "POST",
        headers: { authorization: "Bearer test-admin-token" },
      }),
    );
    expect(response.status).toBe(202);
    await eventually(async () => (await deliveryRecord(key, vendor.deliveryId)).status === "delivered");
    const received = partners.of("vendor").filter((r) => r.headers["webhook-id"] === vendor.deliveryId);
    expect(received.map((r) => r.answered)).toEqual([410, 200]);
    expect(received[1]!.verified).toBe(true);
    const page = await listDeadLetters(env.CACHE, { limit: 100 });
    expect(page.items.some((i) => i.deliveryId === vendor.deliveryId)).toBe(false);
  });
});

describe("instance refs", () => {
  it("a delivery waits for refs that arrive after it was queued, then uses them", async () => {
    partners.provisionReply = {};
    const { key, messages } = await expiredWithHeldDeliveries();
    const mor = messages.find((m) => m.connector === "mor")!;
    const waiting = await consumeOnce(mor, 1);
    // Not an attempt: acked and queued again, nothing counted against the retry budget.
    expect(waiting.result.explicitAcks).toEqual(["msg"]);
    const record = await deliveryRecord(key, mor.deliveryId);
    expect(record.attemptLog[0]!.excerpt).toBe("waiting for instance refs: mor.subscriptionId");
    expect(record.attempts).toBe(0);
    expect(record.status).toBe("pending");
    await stubFor(key).mergeRefs({ "mor.subscriptionId": "4242" });
    const done = await consumeOnce(mor, 2);
    expect(done.result.explicitAcks).toEqual(["msg"]);
    const sent = partners.of("mor").at(-1)!;
    expect(new URLSearchParams(sent.body).get("subscription_id")).toBe("4242");
    expect((await deliveryRecord(key, mor.deliveryId)).status).toBe("delivered");
  });

  it("refs still missing after the grace period: skipped with the reason, not retried", async () => {
    partners.provisionReply = {};
    const { key, messages } = await expiredWithHeldDeliveries();
    const kd = messages.find((m) => m.connector === "koodrive")!;
    const old = { ...kd, event: { ...kd.event, occurredAt: new Date(Date.now() - 16 * 60_000).toISOString() } };
    const { result, delays } = await consumeOnce(old, 4);
    expect(result.explicitAcks).toEqual(["msg"]);
    expect(delays).toEqual([]);
    const record = await deliveryRecord(key, kd.deliveryId);
    expect(record.status).toBe("skipped");
    expect(record.reason).toBe("instance refs missing: koodrive.carrierUserId, koodrive.packageId");
    expect(partners.of("koodrive").filter((r) => r.path.endsWith("notifyPackageExpire"))).toHaveLength(0);
  });

  it("refs missing past the grace period while the vendor's reply to instance.provisioned is still being retried: keeps waiting, then uses them", async () => {
    // The provisioned webhook stays on its way (its queue message is held), as in a vendor outage.
    const orderId = `CS${crypto.randomUUID().replaceAll("-", "").slice(0, 15)}`;
    const key = `koogallery:${await instanceIdForOrder(newInstanceOrderKey("v1", { orderId, productId: "OFFI000000000000000001" }))}`;
    await setQueue(key, "lose");
    const { instanceId } = await newInstanceV1({ orderId });
    expect(key).toBe(`koogallery:${instanceId}`);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const messages = await pendingMessages(key);
    const provisioned = messages.find((m) => m.connector === "vendor" && m.event.type === "instance.provisioned")!;
    const mor = messages.find((m) => m.connector === "mor")!;
    partners.fail("vendor", 1, 503);
    expect((await consumeOnce(provisioned, 1)).result.retryMessages).toEqual([{ msgId: "msg" }]);

    const old = { ...mor, event: { ...mor.event, occurredAt: new Date(Date.now() - 16 * 60_000).toISOString() } };
    const waiting = await consumeOnce(old, 3);
    expect(waiting.result.explicitAcks).toEqual(["msg"]);
    const record = await deliveryRecord(key, mor.deliveryId);
    expect(record.status).toBe("pending");
    expect(record.attempts).toBe(0);
    expect(record.attemptLog.at(-1)!.excerpt).toBe("waiting for instance refs: mor.subscriptionId");

    expect((await consumeOnce(provisioned, 2)).result.explicitAcks).toEqual(["msg"]);
    expect((await consumeOnce(old, 4)).result.explicitAcks).toEqual(["msg"]);
    expect(new URLSearchParams(partners.of("mor").at(-1)!.body).get("subscription_id")).toBe("77");
    expect((await deliveryRecord(key, mor.deliveryId)).status).toBe("delivered");
  });
});

describe("KooDrive session", () => {
  it("a token about to expire is refreshed before use, without a new login", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const warm = await expiredWithHeldDeliveries();
    await consumeOnce(
      warm.messages.find((m) => m.connector === "koodrive")!,
      1,
    ); // establishes a session
    const { key, messages } = await expiredWithHeldDeliveries();
    const kd = messages.find((m) => m.connector === "koodrive")!;
    const session = env.KOODRIVE_SESSION.get(env.KOODRIVE_SESSION.idFromName("default"));
    await runInDurableObject(session, async (_o, state) => {
      const current = (await state.storage.get<{ expiresAtMs: number }>("session"))!;
      await state.storage.put("session", { ...current, expiresAtMs: Date.now() + 60_000 });
    });
    const logins = partners.logins;
    const refreshed = () => partners.of("koodrive").filter((r) => r.path.endsWith("refreshToken") && r.answered === 200).length;
    const refreshesBefore = refreshed();
    await consumeOnce(kd, 1);
    expect(refreshed()).toBe(refreshesBefore + 1);
    expect(partners.logins).toBe(logins);
    expect((await deliveryRecord(key, kd.deliveryId)).status).toBe("delivered");
  });
});

describe("malformed refs", () => {
  it("a non-numeric mor.subscriptionId is dead-lettered at once, not retried for days", async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const mor = messages.find((m) => m.connector === "mor")!;
    const { deadLetters, delays } = await consumeOnce({ ...mor, refs: { ...mor.refs, "mor.subscriptionId": "abc" } }, 1);
    expect(delays).toEqual([]);
    expect(deadLetters[0]!.reason).toMatch(/mor\.subscriptionId must be a MOR subscription id/);
    expect(partners.of("mor").filter((r) => r.path.endsWith("subscription_update"))).toHaveLength(0);
    expect((await deliveryRecord(key, mor.deliveryId)).status).toBe("dead");
  });
});
