/**
 * The whole path: a signed marketplace call is applied, its outbox rows are queued, the real
 * queue consumer delivers them to the mock partners, and the outcome is recorded on the instance.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, unique, v1 } from "../support/koogallery";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = {
    refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "189642158555241211", "koodrive.packageId": "14" },
    appInfo: { frontEndUrl: "https://tenant.example.test/", userName: "admin", password: "pw-1" },
  };
});
afterEach(() => vi.restoreAllMocks());

const allSettled = (key: string, count: number) =>
  eventually(async () => {
    const d = await details(key);
    return d && d.deliveries.length >= count && d.deliveries.every((x) => x.status !== "pending") ? d : null;
  });

describe("delivery of lifecycle events", () => {
  it("provision -> vendor webhook (signed), whose reply stores refs and app info", async () => {
    const { instanceId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    const d = await allSettled(key, 1);
    expect(d.deliveries.map((x) => [x.connector, x.status])).toEqual([["vendor", "delivered"]]);
    expect(d.instance.refs["mor.subscriptionId"]).toBe("77");
    expect(d.instance.appInfo.frontEndUrl).toBe("https://tenant.example.test/");
    const hook = partners.of("vendor").find((r) => JSON.parse(r.body).instance.key === key)!;
    expect(hook.verified).toBe(true);
    const payload = JSON.parse(hook.body);
    expect(payload).toMatchObject({
      id: hook.headers["webhook-id"],
      type: "instance.provisioned",
      test: false,
      instance: { key, source: "koogallery", id: instanceId, state: "active" },
      source: { system: "koogallery", activity: "newInstance" },
    });
    // Personal data (the buyer's customerId included) is not forwarded by default.
    expect(payload.source.raw.customerId).toBeUndefined();
    expect(payload.source.raw.orderId).toBeDefined();
    expect(JSON.stringify(payload)).not.toContain("mobilePhone");
  });

  it("expire -> vendor, KooDrive notifyPackageExpire (type 2, token login) and MOR subscription_update", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const d = await allSettled(key, 4);
    expect(
      d.deliveries
        .filter((x) => x.status === "delivered")
        .map((x) => x.connector)
        .sort(),
    ).toEqual(["koodrive", "mor", "vendor", "vendor"]);
    const notify = partners.of("koodrive").filter((r) => r.path.endsWith("notifyPackageExpire"));
    expect(notify.at(-1)?.verified).toBe(true);
    expect(JSON.parse(notify.at(-1)!.body)).toEqual({ carrierUserId: "189642158555241211", type: 2, packageId: "14" });
    const mor = partners.of("mor").at(-1)!;
    expect(mor.verified).toBe(true);
    expect(mor.path).toBe("/billing/api/subscription_update");
    expect(Number(new URLSearchParams(mor.body).get("subscription_activation_end"))).toBeGreaterThan(Date.now() / 1000 - 120);
  });

  it("release -> MOR subscription_delete with MOR_DELETE_ACTION", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    await allSettled(key, 3);
    const mor = partners.of("mor").filter((r) => r.path.endsWith("subscription_delete"));
    expect(mor).toHaveLength(1);
    expect(new URLSearchParams(mor[0]!.body).get("subscription_delete_action")).toBe("1");
  });

  it("a renewal reaches MOR with the new activation end", async () => {
    const { instanceId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
    await allSettled(key, 3);
    const mor = partners
      .of("mor")
      .find(
        (r) => r.path.endsWith("subscription_update") && new URLSearchParams(r.body).get("subscription_activation_end") === String(Date.UTC(2030, 0, 1) / 1000),
      );
    expect(mor?.verified).toBe(true);
  });

  it("a resume after a freeze gives MOR back the paid-up activation end", async () => {
    const { instanceId, orderId } = await newInstanceV1({ expireTime: "20270201000000" });
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    await allSettled(key, 4);
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000000");
    const d = await allSettled(key, 6);
    const resumed = d.events.find((e) => e.type === "instance.resumed")!;
    expect(
      d.deliveries
        .filter((x) => x.eventSeq === resumed.seq)
        .map((x) => [x.connector, x.status])
        .sort(),
    ).toEqual([
      ["mor", "delivered"],
      ["vendor", "delivered"],
    ]);
    const updates = partners
      .of("mor")
      .filter((r) => r.path.endsWith("subscription_update"))
      .map((r) => new URLSearchParams(r.body));
    const restored = updates.find((f) => f.get("subscription_activation_end") === String(Date.UTC(2027, 1, 1) / 1000));
    expect(restored?.get("subscription_id")).toBe("77");
    expect(partners.of("mor").every((r) => r.verified)).toBe(true);
  });

  it("a resume of an instance without expiry tells MOR it runs until canceled", async () => {
    const { instanceId, orderId } = await newInstanceV1({ expireTime: "" });
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    await allSettled(key, 4);
    const before = partners.of("mor").length;
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000000");
    await allSettled(key, 6);
    const form = partners
      .of("mor")
      .slice(before)
      .map((r) => new URLSearchParams(r.body))
      .find((f) => f.get("subscription_until_canceled") === "1");
    expect(form?.get("subscription_id")).toBe("77");
    expect(form?.has("subscription_activation_end")).toBe(false);
  });

  it("testFlag=1 reaches only the vendor, marked test; other connectors record skipped", async () => {
    const { instanceId, orderId } = await newInstanceV1({ testFlag: "1" });
    const key = `koogallery:${instanceId}`;
    await allSettled(key, 1);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId, testFlag: "1" }), "000000");
    const d = await allSettled(key, 4);
    const byConnector = Object.fromEntries(d.deliveries.filter((x) => x.connector !== "vendor").map((x) => [x.connector, x]));
    expect(byConnector.koodrive?.status).toBe("skipped");
    expect(byConnector.mor?.status).toBe("skipped");
    expect(byConnector.mor?.reason).toMatch(/test event/);
    const hooks = partners.of("vendor").filter((r) => JSON.parse(r.body).instance.key === key);
    expect(hooks.every((h) => JSON.parse(h.body).test === true)).toBe(true);
  });
});
