/**
 * Stale and replayed calls never move an instance backwards. KooGallery V1 has no nonce, so a
 * logged URL can be sent again byte for byte; both generations carry the marketplace's own time
 * (V1 `timeStamp`, V2 `timestamp`), and an instance answers a call older than the latest one it
 * accepted with success, applying nothing and delivering nothing.
 */
import { describe, expect, it } from "vitest";
import { details } from "../../support/instances";
import { expectSigned, newInstanceParams, newInstanceV1, newInstanceV2, nextStampMs, send, v1, v1Stamp, v1Url, v2Request } from "../../support/koogallery";

const key = (instanceId: string) => `koogallery:${instanceId}`;
const eventTypes = async (instanceId: string) => (await details(key(instanceId)))?.events.map((e) => e.type).reverse();

describe("V1: calls ordered by timeStamp", () => {
  it("an old expireInstance replayed byte for byte after a renewal answers success and changes nothing", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const expireUrl = v1Url({ activity: "expireInstance", instanceId, orderId });
    expectSigned(await send(expireUrl), "000000");
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: `RN${orderId}`, expireTime: "20300101000000" }), "000000");
    const before = await details(key(instanceId));
    expect(before?.instance.state).toBe("active");

    const replay = await send(expireUrl);
    expectSigned(replay, "000000");
    expect(replay.body).toEqual({ resultCode: "000000", resultMsg: "success." });
    const after = await details(key(instanceId));
    expect(after?.instance).toEqual(before?.instance);
    expect(after?.events).toHaveLength(3);
    expect(after?.deliveries).toEqual(before?.deliveries);
  });

  it("a call stamped before the latest accepted one is acknowledged without being applied, whatever its kind", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const earlier = v1Stamp(Date.now() - 60_000);
    const calls: Array<Record<string, string>> = [
      { activity: "instanceStatus", instanceId, instanceStatus: "FREEZE" },
      { activity: "expireInstance", instanceId, orderId },
      { activity: "refreshInstance", instanceId, orderId: `RN${orderId}`, expireTime: "20300101000000" },
      { activity: "upgrade", instanceId, orderId: `UP${orderId}`, skuCode: "sku-large", productId: "OFFI000000000000000009" },
      { activity: "releaseInstance", instanceId, orderId },
    ];
    for (const params of calls) {
      expectSigned(await v1({ ...params, timeStamp: earlier }), "000000");
    }
    const d = await details(key(instanceId));
    expect(d?.instance.state).toBe("active");
    expect(d?.instance.version).toBe(1);
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned"]);
  });

  it("a call that a later one already confirmed (a no-op) does not undo it when it arrives late", async () => {
    const { instanceId } = await newInstanceV1();
    const t = nextStampMs();
    // KooGallery froze at t+1000 and unfroze at t+2000; the unfreeze found the instance active
    // (a no-op) and arrived first.
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL", timeStamp: v1Stamp(t + 2000) }), "000000");
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "FREEZE", timeStamp: v1Stamp(t + 1000) }), "000000");
    expect((await details(key(instanceId)))?.instance.state).toBe("active");
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned"]);
  });

  it("two different calls with the same timeStamp both apply; a replay of the first is still a duplicate", async () => {
    const { instanceId } = await newInstanceV1();
    const same = v1Stamp(nextStampMs() + 1000);
    const freeze = v1Url({ activity: "instanceStatus", instanceId, instanceStatus: "FREEZE", timeStamp: same });
    const unfreeze = v1Url({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL", timeStamp: same });
    expectSigned(await send(freeze), "000000");
    expectSigned(await send(unfreeze), "000000");
    expect((await details(key(instanceId)))?.instance.state).toBe("active");
    expectSigned(await send(freeze), "000000");
    expect((await details(key(instanceId)))?.instance.state).toBe("active");
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned", "instance.expired", "instance.resumed"]);
  });

  it("a newInstance replayed after later calls still answers the same instanceId and app info", async () => {
    const { instanceId, orderId, answer } = await newInstanceV1();
    const create = v1Url({ ...newInstanceParams(orderId), timeStamp: v1Stamp(Date.now() - 3_600_000) });
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "FREEZE" }), "000000");
    const again = await send(create);
    expectSigned(again, "000000");
    expect(again.body).toEqual(answer.body);
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned", "instance.expired"]);
  });

  it("a stale call after release is acknowledged; a fresh one still gets 000003", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const earlier = v1Stamp(Date.now() - 60_000);
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL", timeStamp: earlier }), "000000");
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000003");
    expect((await details(key(instanceId)))?.instance.state).toBe("released");
  });

  it("a timeStamp that is not a date is an invalid parameter", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const answer = await v1({ activity: "expireInstance", instanceId, orderId, timeStamp: "20251399000000000" });
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toBe("invalid parameter timeStamp: is not a valid date");
  });
});

describe("V2: calls ordered by timestamp", () => {
  const status = (instanceId: string, value: "FREEZE" | "UNFREEZE", at: number) =>
    send(v2Request({ activity: "updateInstanceStatus", instanceId, status: value }, { timestamp: String(at) }));

  it("a FREEZE that arrives after a later UNFREEZE is acknowledged and not applied", async () => {
    const t = nextStampMs();
    const { instanceId } = await newInstanceV2();
    expectSigned(await status(instanceId, "FREEZE", t + 1000), "000000");
    expectSigned(await status(instanceId, "UNFREEZE", t + 3000), "000000");
    const late = await status(instanceId, "FREEZE", t + 2000);
    expectSigned(late, "000000");
    expect((await details(key(instanceId)))?.instance.state).toBe("active");
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned", "instance.expired", "instance.resumed"]);
  });

  it("an older renewal or release does not overtake a newer status change", async () => {
    const t = nextStampMs();
    const { instanceId, orderId } = await newInstanceV2();
    expectSigned(await status(instanceId, "FREEZE", t + 2000), "000000");
    const renew = {
      activity: "refreshInstance",
      scene: "RENEWAL",
      instanceId,
      orderId: `RN${orderId}`,
      orderLineId: `RN${orderId}-1`,
      expireTime: "20300101000000",
    };
    expectSigned(await send(v2Request(renew, { timestamp: String(t + 1000) })), "000000");
    expectSigned(await send(v2Request({ activity: "releaseInstance", instanceId }, { timestamp: String(t + 1500) })), "000000");
    expect((await details(key(instanceId)))?.instance.state).toBe("expired");
    expect(await eventTypes(instanceId)).toEqual(["instance.provisioned", "instance.expired"]);
  });
});
