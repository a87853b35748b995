import { describe, expect, it } from "vitest";
import { decryptCredential } from "../../../tools/lib/koogallery-signer.mjs";
import { details } from "../../support/instances";
import { ACCESS_KEY, expectSigned, newInstanceV1, unique, v1 } from "../../support/koogallery";

describe("KooGallery V1 lifecycle", () => {
  it("newInstance provisions an active instance and answers instanceId and appInfo", async () => {
    const { instanceId, answer } = await newInstanceV1();
    expect(instanceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(answer.body.appInfo).toEqual({ frontEndUrl: "https://app.example.test/" });
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.instance.expiresAt).toBe("2027-02-01T00:00:00.000Z");
    expect(d?.instance.plan.productId).toBe("OFFI000000000000000001");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.provisioned"]);
  });

  it("a repeated newInstance (new businessId, same order) returns the same instance and changes nothing", async () => {
    const first = await newInstanceV1();
    const again = await newInstanceV1({ orderId: first.orderId });
    expect(again.instanceId).toBe(first.instanceId);
    const d = await details(`koogallery:${first.instanceId}`);
    expect(d?.events).toHaveLength(1);
    expect(d?.instance.version).toBe(1);
  });

  it("the same order with another productId (pay-per-use) is another instance", async () => {
    const first = await newInstanceV1();
    const other = await newInstanceV1({ orderId: first.orderId, productId: "OFFI000000000000000002" });
    expect(other.instanceId).not.toBe(first.instanceId);
  });

  it("refreshInstance sets the new expiry once per renewal order", async () => {
    const { instanceId } = await newInstanceV1();
    const orderId = unique("RN");
    const renew = { activity: "refreshInstance", instanceId, orderId, expireTime: "20280201000000", periodType: "year", periodNumber: "1" };
    expectSigned(await v1(renew), "000000");
    expectSigned(await v1(renew), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.expiresAt).toBe("2028-02-01T00:00:00.000Z");
    expect(d?.events.filter((e) => e.type === "instance.renewed")).toHaveLength(1);
  });

  it("expireInstance freezes; a repeat answers success without a second event", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("expired");
    expect(d?.events.filter((e) => e.type === "instance.expired")).toHaveLength(1);
  });

  it("a renewal after expiry reactivates; a later expiry freezes again as a new event", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20290101000000" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("expired");
    expect(d?.events.filter((e) => e.type === "instance.expired")).toHaveLength(2);
  });

  it("instanceStatus FREEZE and NORMAL expire and resume", async () => {
    const { instanceId } = await newInstanceV1();
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "FREEZE" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("expired");
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.resumed", "instance.expired", "instance.provisioned"]);
  });

  it("upgrade records the new specification once per upgrade order", async () => {
    const { instanceId } = await newInstanceV1();
    const upgrade = { activity: "upgrade", instanceId, orderId: unique("UP"), skuCode: "sku-large", productId: "OFFI000000000000000009", amount: "20" };
    expectSigned(await v1(upgrade), "000000");
    expectSigned(await v1(upgrade), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.plan).toMatchObject({ skuCode: "sku-large", productId: "OFFI000000000000000009", amount: "20" });
    expect(d?.events.filter((e) => e.type === "instance.updated")).toHaveLength(1);
  });

  it("releaseInstance releases; late duplicates of release and expire still succeed, other calls get 000003", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000003");
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000003");
    expectSigned(await v1({ activity: "queryInstance", instanceId }), "000003");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("released");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.released", "instance.expired", "instance.provisioned"]);
  });

  it("release before expire (an unsubscription) is applied from the active state", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.events[0]).toMatchObject({ type: "instance.released", fromState: "active", toState: "released" });
  });

  it("calls for an unknown instance answer 000003 and create nothing", async () => {
    const instanceId = unique("missing-");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId: "CS1" }), "000003");
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000003");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId: "CS1" }), "000003");
    expect(await details(`koogallery:${instanceId}`)).toBeNull();
    // Not even the tables: an unknown instance's object stores nothing.
    const { env } = await import("cloudflare:workers");
    const { runInDurableObject } = await import("cloudflare:test");
    const tables = await runInDurableObject(env.INSTANCES.get(env.INSTANCES.idFromName(`koogallery:${instanceId}`)), (_o, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("queryInstance returns app info for known instances, credentials AES-encrypted with encryptType", async () => {
    const a = await newInstanceV1();
    const b = await newInstanceV1();
    const { env } = await import("cloudflare:workers");
    await env.INSTANCES.get(env.INSTANCES.idFromName(`koogallery:${a.instanceId}`)).mergeRefs(
      {},
      {
        frontEndUrl: "https://tenant-a.example.test/",
        userName: "admin",
        password: "P@ssw0rd!",
        memo: "Grüße",
      },
    );
    const answer = await v1({ activity: "queryInstance", instanceId: `${a.instanceId},${b.instanceId},unknown-id` });
    expectSigned(answer, "000000");
    expect(answer.body.encryptType).toBe("1");
    expect(answer.text).toContain("Gr\\u00fc\\u00dfe");
    const info = answer.body.info as Array<{ instanceId: string; appInfo: Record<string, string> }>;
    expect(info.map((i) => i.instanceId)).toEqual([a.instanceId, b.instanceId]);
    expect(info[0]!.appInfo.frontEndUrl).toBe("https://tenant-a.example.test/");
    expect(decryptCredential(ACCESS_KEY, info[0]!.appInfo.userName!)).toBe("admin");
    expect(decryptCredential(ACCESS_KEY, info[0]!.appInfo.password!)).toBe("P@ssw0rd!");
    expect(info[1]!.appInfo).toEqual({ frontEndUrl: "https://app.example.test/" });
  });

  it("testFlag=1 is processed normally and marked as test", async () => {
    const { instanceId } = await newInstanceV1({ testFlag: "1" });
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.test).toBe(true);
    expect(d?.events[0]?.test).toBe(true);
  });
});
