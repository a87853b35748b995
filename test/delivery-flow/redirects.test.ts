/**
 * A partner's 3xx is never success and is never followed: every outbound call says
 * `redirect: "manual"`, the redirect is recorded as a final failure naming the location, and
 * nothing (body, signature, hash, token) goes to the place it points at. The mock partners follow
 * redirects the way fetch does unless told "manual" (test/support/partners.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryRecord } from "../../src/instance/records";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
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
    return delivery && delivery.status !== "pending" && delivery.status !== "waiting" ? delivery : null;
  });
}

describe("partner redirects", () => {
  it("a vendor 302 is not followed into a body-less GET recorded as delivered", async () => {
    partners.redirect("vendor", 1, 302, "https://elsewhere.test/moved");
    const { instanceId } = await newInstanceV1();
    const delivery = await settledDelivery(`koogallery:${instanceId}`, "vendor", "instance.provisioned");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("https://elsewhere.test/moved");
    expect(delivery.reason).toMatch(/302/);
    expect(delivery.attempts).toBe(1);
    expect(partners.of("elsewhere")).toEqual([]);
  });

  it("a KooDrive 307 does not re-send the token to the new location", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.redirect("koodrive", 1, 307, "https://elsewhere.test/collect", "notifyPackageExpire");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(key, "koodrive", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("https://elsewhere.test/collect");
    expect(partners.of("elsewhere")).toEqual([]);
  });

  it("a MOR 308 does not re-send the hashed form to the new location", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.redirect("mor", 1, 308, "https://elsewhere.test/billing/api/subscription_update");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(key, "mor", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("https://elsewhere.test/billing/api/subscription_update");
    expect(partners.of("elsewhere")).toEqual([]);
  });

  it("a redirected KooDrive login is final: dead with the location, no login elsewhere", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.revokeTokens();
    partners.redirect("koodrive", 5, 302, "https://elsewhere.test/sso", "/auth/login");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const delivery = await settledDelivery(key, "koodrive", "instance.expired");
    expect(delivery.status).toBe("dead");
    expect(delivery.reason).toContain("https://elsewhere.test/sso");
    expect(partners.of("elsewhere")).toEqual([]);
  });

  it("every outbound call, KooDrive login included, asks fetch not to follow redirects", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settledDelivery(key, "vendor", "instance.provisioned");
    partners.revokeTokens();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    for (const connector of ["vendor", "koodrive", "mor"]) expect((await settledDelivery(key, connector, "instance.expired")).status).toBe("delivered");
    expect(partners.of("koodrive").some((r) => r.path.endsWith("/auth/login"))).toBe(true);
    expect(partners.received.length).toBeGreaterThan(4);
    expect(partners.received.filter((r) => r.redirect !== "manual")).toEqual([]);
  });
});
