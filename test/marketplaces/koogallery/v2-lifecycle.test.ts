import { describe, expect, it } from "vitest";
import { details } from "../../support/instances";
import { expectSigned, newInstanceV2, send, unique, v2, v2Request } from "../../support/koogallery";

describe("KooGallery V2 lifecycle", () => {
  it("newInstance answers 000000 with a deterministic instanceId and provisions it", async () => {
    const first = await newInstanceV2();
    const again = await newInstanceV2({ orderId: first.orderId });
    expect(again.instanceId).toBe(first.instanceId);
    expect(first.answer.body).toEqual({ resultCode: "000000", resultMsg: "success.", instanceId: first.instanceId });
    const d = await details(`koogallery:${first.instanceId}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.events).toHaveLength(1);
  });

  it.each(["TRIAL_TO_FORMAL", "RENEWAL", "UNSUBSCRIBE_RENEWAL_PERIOD", "RENEWAL_CHANGE"])(
    "refreshInstance scene %s sets the expiry (17-digit expireTime)",
    async (scene) => {
      const { instanceId } = await newInstanceV2();
      const orderId = unique("RN");
      const body = { activity: "refreshInstance", scene, instanceId, orderId, orderLineId: `${orderId}-000001`, expireTime: "20221124023618256" };
      expectSigned(await v2(body), "000000");
      expectSigned(await v2(body), "000000");
      const d = await details(`koogallery:${instanceId}`);
      expect(d?.instance.expiresAt).toBe("2022-11-24T02:36:18.000Z");
      expect(d?.events.filter((e) => e.type === "instance.renewed")).toHaveLength(1);
    },
  );

  it("updateInstanceStatus FREEZE then UNFREEZE; UNFREEZE of an active instance is a no-op success", async () => {
    const { instanceId } = await newInstanceV2();
    expectSigned(await v2({ activity: "updateInstanceStatus", instanceId, status: "UNFREEZE" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.events).toHaveLength(1);
    expectSigned(await v2({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("expired");
    expectSigned(await v2({ activity: "updateInstanceStatus", instanceId, status: "UNFREEZE" }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.resumed", "instance.expired", "instance.provisioned"]);
  });

  it("upgradeInstance is applied once per upgrade order", async () => {
    const { instanceId } = await newInstanceV2();
    const orderId = unique("UP");
    const body = { activity: "upgradeInstance", instanceId, orderId, orderLineId: `${orderId}-000001` };
    expectSigned(await v2(body), "000000");
    expectSigned(await v2(body), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.events.filter((e) => e.type === "instance.updated")).toHaveLength(1);
    expect(d?.instance.plan.upgradeOrderId).toBe(orderId);
  });

  it("releaseInstance releases; repeats succeed; an unknown instance gets 000003", async () => {
    const { instanceId } = await newInstanceV2();
    expectSigned(await v2({ activity: "releaseInstance", instanceId }), "000000");
    expectSigned(await v2({ activity: "releaseInstance", instanceId }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
    expectSigned(await v2({ activity: "releaseInstance", instanceId: unique("nope-") }), "000003");
    expectSigned(await v2({ activity: "updateInstanceStatus", instanceId: unique("nope-"), status: "FREEZE" }), "000003");
  });

  it("queryInstance returns plain credentials in V2", async () => {
    const { instanceId } = await newInstanceV2();
    const { env } = await import("cloudflare:workers");
    await env.INSTANCES.get(env.INSTANCES.idFromName(`koogallery:${instanceId}`)).mergeRefs({}, { userName: "admin", password: "s3cret" });
    const answer = await v2({ activity: "queryInstance", instanceId });
    expectSigned(answer, "000000");
    expect(answer.body.encryptType).toBeUndefined();
    expect(answer.body.info).toEqual([{ instanceId, appInfo: { frontEndUrl: "https://app.example.test/", userName: "admin", password: "s3cret" } }]);
  });

  it("a replayed nonce inside the window is refused with 000001 and changes nothing", async () => {
    const { instanceId } = await newInstanceV2();
    const body = { activity: "updateInstanceStatus", instanceId, status: "FREEZE" };
    const nonce = "A".repeat(64);
    const timestamp = String(Date.now());
    expectSigned(await send(v2Request(body, { nonce, timestamp })), "000000");
    await v2({ activity: "updateInstanceStatus", instanceId, status: "UNFREEZE" });
    const replay = await send(v2Request(body, { nonce, timestamp }));
    expectSigned(replay, "000001");
    expect(replay.body.resultMsg).toMatch(/nonce/);
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
  });

  it("accepts a timestamp in seconds", async () => {
    const { instanceId } = await newInstanceV2();
    const answer = await send(
      v2Request({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }, { timestamp: String(Math.floor(Date.now() / 1000)) }),
    );
    expectSigned(answer, "000000");
  });

  it("accepts a body that is not KooGallery's compact sorted form via the canonical fallback", async () => {
    const { instanceId } = await newInstanceV2();
    const pretty = JSON.stringify({ status: "FREEZE", instanceId, activity: "updateInstanceStatus" }, null, 2);
    // Sign the canonical (sorted, compact) form, send the pretty one: Huawei's sample re-serialises.
    const { canonicalJson } = await import("../../../src/marketplaces/koogallery/crypto/auth-v2");
    const signedFor = v2Request(canonicalJson(JSON.parse(pretty)));
    const request = new Request(signedFor.url, { method: "POST", headers: signedFor.headers, body: pretty });
    expectSigned(await send(request), "000000");
  });
});
