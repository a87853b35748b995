/**
 * The instance's outbox never loops on a queue send: events fit the queue's 128 KB message limit
 * (the plan is stored once), a message that cannot fit is dead-lettered at once with its size, and
 * a send that keeps failing is retried with growing delays, counted as attempts, and dead-lettered
 * with the reason after a bounded number, so the deliveries behind it go out.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { listDeadLetters } from "../../src/delivery/dead-letters";
import { MAX_UNREPORTED_SENDS, sendRetryDelayMs } from "../../src/instance/outbox";
import type { DeliveryRecord } from "../../src/instance/records";
import { call, createBody, createSubscription, unique } from "../support/activeplatform";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { expireLeases, setQueue, stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
});
afterEach(() => vi.restoreAllMocks());

/** The largest body ActivePlatform may send (64 KiB), most of it in the plan. */
function bodyOfAbout65KB(subscriptionId: string): Record<string, unknown> {
  const body = createBody(subscriptionId);
  const base = JSON.stringify(body).length;
  const plan = { ...(body.plan as Record<string, unknown>), features: "f".repeat(65_000 - base - 20) };
  return { ...body, plan };
}

const deliveriesOf = async (key: string): Promise<DeliveryRecord[]> => (await details(key))?.deliveries ?? [];

describe("event size", () => {
  it("an ActivePlatform create of about 65 KB is delivered: the plan travels once", async () => {
    const subscriptionId = unique("S");
    const body = bodyOfAbout65KB(subscriptionId);
    expect(JSON.stringify(body).length).toBeGreaterThan(64_000);
    const { key } = await createSubscription({ subscriptionId, body });
    const [delivery] = await eventually(async () => {
      const d = await deliveriesOf(key);
      return d.length === 1 && d[0]!.status === "delivered" ? d : null;
    });
    expect(delivery!.attempts).toBe(1);
    const sent = JSON.parse(partners.of("vendor").at(-1)!.body) as { instance: { plan: { features: string } }; source: { raw: Record<string, unknown> } };
    expect(sent.instance.plan.features).toBe((body.plan as { features: string }).features);
    expect(sent.source.raw).not.toHaveProperty("plan");
  });

  it("an event too large for any queue message is dead-lettered at once, with its size", async () => {
    // 1e9 is 3 bytes in the request and 10 once re-serialised: a body under the 64 KiB limit
    // becomes an event well over 128 KB.
    const subscriptionId = unique("S");
    const marker = '"__numbers__"';
    const text = JSON.stringify(createBody(subscriptionId, { plan: { name: "Big", period: { value: 1, type: "Month" }, counts: "__numbers__" } }));
    const rawBody = text.replace(marker, `[${Array.from({ length: 15_000 }, () => "1e9").join(",")}]`);
    expect(rawBody.length).toBeLessThan(65_536);
    const answer = await call("subscription/create", null, { rawBody });
    expect(answer.status, answer.text).toBe(201);
    const key = `activeplatform:${String(answer.body.external_id)}`;
    const [delivery] = await eventually(async () => {
      const d = await deliveriesOf(key);
      return d.length === 1 && d[0]!.status === "dead" ? d : null;
    });
    expect(delivery!.reason).toMatch(/\d+ bytes/);
    expect(delivery!.reason).toMatch(/128/);
    expect(delivery!.attempts).toBe(1);
    expect(partners.of("vendor")).toEqual([]);
    const listed = await listDeadLetters(env.CACHE, { limit: 100 });
    expect(listed.items.map((i) => i.deliveryId)).toContain(delivery!.deliveryId);
  });
});

describe("batches", () => {
  it("a batch the queue refuses is sent message by message: none of them is held back", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await deliveriesOf(key)).every((d) => d.status === "delivered") || null);
    await setQueue(key, "fail-batches");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const seq = (await details(key))!.events.find((e) => e.type === "instance.expired")!.seq;
    const expired = await eventually(async () => {
      const d = (await deliveriesOf(key)).filter((x) => x.eventSeq === seq);
      return d.length === 3 && d.every((x) => x.status === "delivered") ? d : null;
    });
    expect(expired.map((d) => d.attempts)).toEqual([1, 1, 1]);
  });
});

describe("replaying an event too large to queue", () => {
  it("is refused with the size, and the delivery stays dead and listed", async () => {
    const { exports } = await import("cloudflare:workers");
    const text = JSON.stringify(createBody(unique("S"), { plan: { name: "Big", period: { value: 1, type: "Month" }, counts: "__numbers__" } }));
    const rawBody = text.replace('"__numbers__"', `[${Array.from({ length: 15_000 }, () => "1e9").join(",")}]`);
    const answer = await call("subscription/create", null, { rawBody });
    const key = `activeplatform:${String(answer.body.external_id)}`;
    const [delivery] = await eventually(async () => {
      const d = await deliveriesOf(key);
      return d.length === 1 && d[0]!.status === "dead" ? d : null;
    });
    await eventually(async () => (await listDeadLetters(env.CACHE, { limit: 100 })).items.some((i) => i.deliveryId === delivery!.deliveryId) || null);
    const response = await exports.default.fetch(
      new Request(`https://gateway.test/admin/deliveries/${delivery!.deliveryId}/replay`, {
        method: "POST",
        headers: { authorization: "Bearer test-admin-token" },
      }),
    );
    expect(response.status).toBe(409);
    expect(await response.text()).toMatch(/\d+ bytes/);
    expect((await deliveriesOf(key))[0]!.status).toBe("dead");
    expect((await listDeadLetters(env.CACHE, { limit: 100 })).items.map((i) => i.deliveryId)).toContain(delivery!.deliveryId);
  });
});

describe("the vendor's reply to instance.provisioned", () => {
  it("stores refs and app info within the caps only, and says what it left out", async () => {
    partners.provisionReply = {
      refs: { "mor.subscriptionId": "77", "big.ref": "x".repeat(10_000), ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra.r${i}`, "v"])) },
      appInfo: { frontEndUrl: "https://app.example/", memo: "m".repeat(5_000) },
    };
    const { instanceId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    const [delivery] = await eventually(async () => {
      const d = await deliveriesOf(key);
      return d.length === 1 && d[0]!.status === "delivered" ? d : null;
    });
    const { instance } = (await details(key))!;
    expect(instance.refs["mor.subscriptionId"]).toBe("77");
    expect(instance.refs).not.toHaveProperty("big.ref");
    expect(Object.keys(instance.refs)).toHaveLength(16);
    expect(instance.appInfo).toEqual({ frontEndUrl: "https://app.example/" });
    expect(delivery!.reason).toMatch(/^vendor reply not stored: /);
    expect(delivery!.reason).toContain("refs.big.ref");
    expect(delivery!.reason).toContain("appInfo.memo");
  });
});

describe("a queue send that keeps failing", () => {
  it("backs off, counts every failed send, dead-letters with the reason and lets the next delivery go", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await deliveriesOf(key)).every((d) => d.status === "delivered") || null);
    await setQueue(key, "fail");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    const d = await details(key);
    const expiredSeq = d!.events.find((e) => e.type === "instance.expired")!.seq;
    const releasedSeq = d!.events.find((e) => e.type === "instance.released")!.seq;
    const vendorOf = async (seq: number) => (await deliveriesOf(key)).find((x) => x.connector === "vendor" && x.eventSeq === seq)!;

    // The send made right after the answer failed: one attempt, retried in about 5 s.
    const first = await eventually(async () => {
      const v = await vendorOf(expiredSeq);
      return v.attempts >= 1 ? v : null;
    });
    expect(first.status).toBe("pending");
    expect(first.attemptLog[0]).toMatchObject({ n: 1, outcome: "queue_send_failed" });
    expect(first.attemptLog[0]!.excerpt).toContain("queue unavailable");
    expect((await vendorOf(releasedSeq)).status).toBe("waiting");

    const delays: number[] = [(first.leaseUntil ?? 0) - Date.parse(first.updatedAt)];
    let current = first;
    for (let run = 0; run < 40 && current.status === "pending"; run++) {
      await expireLeases(key);
      await runDurableObjectAlarm(stubFor(key));
      current = await vendorOf(expiredSeq);
      if (current.status === "pending") delays.push((current.leaseUntil ?? 0) - Date.parse(current.updatedAt));
    }
    expect(current.status).toBe("dead");
    expect(current.reason).toBe(`queue send failed ${MAX_UNREPORTED_SENDS} times; last error: queue unavailable`);
    expect(current.attempts).toBe(MAX_UNREPORTED_SENDS);
    expect(current.attemptLog.every((a) => a.outcome === "queue_send_failed")).toBe(true);
    // 5 s, 10 s, 20 s, … capped at a lease; one delay per failed send but the last.
    expect(delays).toEqual(Array.from({ length: MAX_UNREPORTED_SENDS - 1 }, (_, i) => sendRetryDelayMs(i + 1)));
    expect(delays.at(-1)!).toBe(15 * 60_000);

    const listed = await listDeadLetters(env.CACHE, { limit: 100 });
    expect(listed.items.map((i) => i.deliveryId)).toContain(current.deliveryId);

    // The release's vendor delivery was waiting behind it; it goes out once the queue works again.
    expect((await vendorOf(releasedSeq)).status).toBe("pending");
    await setQueue(key, "real");
    await expireLeases(key);
    await runDurableObjectAlarm(stubFor(key));
    const released = await eventually(async () => {
      const v = await vendorOf(releasedSeq);
      return v.status === "delivered" ? v : null;
    });
    expect(partners.of("vendor").some((r) => JSON.parse(r.body).id === released.deliveryId)).toBe(true);
  });
});

describe("a delivery no consumer ever reports on", () => {
  it("is re-sent a bounded number of times, then dead-lettered with the reason", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await deliveriesOf(key)).every((d) => d.status === "delivered") || null);
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const seq = (await details(key))!.events.find((e) => e.type === "instance.expired")!.seq;
    const vendor = async () => (await deliveriesOf(key)).find((x) => x.connector === "vendor" && x.eventSeq === seq)!;
    let runs = 0;
    for (; runs < 40 && (await vendor()).status === "pending"; runs++) {
      await expireLeases(key);
      await runDurableObjectAlarm(stubFor(key));
    }
    const dead = await vendor();
    expect(dead.status).toBe("dead");
    // The first send came with the event; each alarm run re-sent it until the bound.
    expect(runs).toBe(MAX_UNREPORTED_SENDS);
    expect(dead.reason).toBe(`queued ${MAX_UNREPORTED_SENDS} times and no consumer reported on it within the 15-minute lease`);
    expect(dead.attemptLog.at(-1)).toMatchObject({ outcome: "no_consumer_report" });
  });
});
