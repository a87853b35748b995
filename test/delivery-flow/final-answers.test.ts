/**
 * A partner's final word ends the delivery on the first attempt, with the partner's own words as
 * the reason an operator sees: MOR's `<info>` answers, KooDrive business answers that merely
 * contain "expired", KooDrive's missing white list. None of them is retried, and none of them
 * makes the gateway refresh its KooDrive session or log in again.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryMessage } from "../../src/delivery/message";
import worker from "../../src/index";
import type { DeliveryRecord } from "../../src/instance/records";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { pendingMessages, setQueue } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
});
afterEach(() => vi.restoreAllMocks());

async function settledDelivery(key: string, connector: string, type: string): Promise<DeliveryRecord> {
  return eventually(async () => {
    const d = await details(key);
    const seq = d?.events.find((e) => e.type === type)?.seq;
    const delivery = d?.deliveries.find((x) => x.connector === connector && x.eventSeq === seq);
    // A retried delivery stays pending with its first attempt logged: that is settled enough to judge.
    return delivery && (delivery.attempts > 0 || (delivery.status !== "pending" && delivery.status !== "waiting")) ? delivery : null;
  });
}

/** A provisioned instance whose vendor reply brought every ref, then its expiry applied. */
async function expire(): Promise<string> {
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await settledDelivery(key, "vendor", "instance.provisioned");
  expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
  return key;
}

describe("MOR <info> answers", () => {
  it.each([
    ["page/status", "<page><status><info>Not possible to change dates </info></status></page>"],
    ["status without page", "<status><info>Not possible to set activation end until canceled </info></status>"],
    ["HTML wrapper", '<HTML><?xml version="1.0" encoding="UTF-8"?><page><status><info>Not possible to change dates</info></status></page></HTML>'],
  ])("%s: dead on the first attempt with MOR's message", async (_label, body) => {
    partners.fail("mor", 1, 200, body);
    const key = await expire();
    const delivery = await settledDelivery(key, "mor", "instance.expired");
    const message = /<info>([^<]*)<\/info>/.exec(body)![1]!.trim();
    expect(delivery.status).toBe("dead");
    expect(delivery.attempts).toBe(1);
    expect(delivery.reason).toContain(message);
    expect(partners.of("mor")).toHaveLength(1);
  });
});

describe("KooDrive answers that are not about credentials", () => {
  it("'The package has expired' is a business answer: dead at once, no refresh, no login", async () => {
    const key = await expire();
    await settledDelivery(key, "koodrive", "instance.expired");
    const loginsBefore = partners.logins;
    const refreshesBefore = partners.of("koodrive").filter((r) => r.path.endsWith("/auth/refreshToken")).length;

    const { instanceId, orderId } = await newInstanceV1();
    const second = `koogallery:${instanceId}`;
    await settledDelivery(second, "vendor", "instance.provisioned");
    partners.fail("koodrive", 1, 200, JSON.stringify({ code: "20017", msg: "The package has expired" }), "notifyPackageExpire");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(second, "koodrive", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("The package has expired");
    expect(partners.logins).toBe(loginsBefore);
    expect(partners.of("koodrive").filter((r) => r.path.endsWith("/auth/refreshToken"))).toHaveLength(refreshesBefore);
  });

  it("a 403 about the white list is configuration: dead with the reason, no refresh, no login", async () => {
    const key = await expire();
    await settledDelivery(key, "koodrive", "instance.expired");
    const loginsBefore = partners.logins;

    const { instanceId, orderId } = await newInstanceV1();
    const second = `koogallery:${instanceId}`;
    await settledDelivery(second, "vendor", "instance.provisioned");
    partners.fail("koodrive", 1, 403, JSON.stringify({ code: "403", msg: "The caller is not in the whitelist" }), "notifyPackageExpire");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(second, "koodrive", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toMatch(/white ?list/i);
    expect(partners.logins).toBe(loginsBefore);
    expect(
      partners
        .of("koodrive")
        .filter((r) => r.path.endsWith("notifyPackageExpire"))
        .slice(-1)[0]?.answered,
    ).toBe(403);
  });

  it("a 403 naming the token is a credential problem: the session is refreshed and the call succeeds", async () => {
    const key = await expire();
    await settledDelivery(key, "koodrive", "instance.expired");

    const { instanceId, orderId } = await newInstanceV1();
    const second = `koogallery:${instanceId}`;
    await settledDelivery(second, "vendor", "instance.provisioned");
    partners.fail("koodrive", 1, 403, JSON.stringify({ code: "403", msg: "access token is invalid" }), "notifyPackageExpire");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await eventually(async () => {
      const d = await settledDelivery(second, "koodrive", "instance.expired");
      return d.status === "delivered" ? d : null;
    });
    expect(delivery.attempts).toBe(1);
    expect(partners.of("koodrive").some((r) => r.path.endsWith("/auth/refreshToken") && r.answered === 200)).toBe(true);
  });
});

describe("KooDrive login refused", () => {
  it("a 401 on the login itself is configuration: dead naming the settings, not a login per attempt", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.revokeTokens();
    partners.fail("koodrive", 5, 401, JSON.stringify({ code: "401", msg: "account or password invalid" }), "/auth/login");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(key, "koodrive", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("KOODRIVE_PASSWORD");
    expect(partners.of("koodrive").filter((r) => r.path.endsWith("/auth/login"))).toHaveLength(1);
  });
});

describe("MOR 'Subscription was not found' on release", () => {
  it("on a first attempt it is a wrong subscription id, not a deletion: dead with the reason", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.fail("mor", 1, 200, "<page><status><error>Subscription was not found</error></status></page>");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(key, "mor", "instance.released");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("Subscription was not found");
  });
});

describe("MOR 'Subscription was not found' on a retried release", () => {
  it("after an attempt that may have reached MOR, it means already deleted: delivered", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    const mor = (await pendingMessages(key)).find((m) => m.connector === "mor")!;
    partners.fail("mor", 1, 200, "<page><status><error>Subscription was not found</error></status></page>");
    // The queue's second delivery of the message: the first one timed out or failed on MOR's side.
    const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: "m2", timestamp: new Date(), attempts: 2, body: mor }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m2"]);
    const delivery = (await details(key))!.deliveries.find((d) => d.deliveryId === mor.deliveryId)!;
    expect(delivery.status).toBe("delivered");
    expect(delivery.attemptLog.at(-1)!.excerpt).toMatch(/^already deleted: /);
  });
});
