import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { details } from "../../support/instances";
import { expectSigned, newInstanceV1, unique, v1 } from "../../support/koogallery";

const cached = (eventKey: string) => env.CACHE.get(`answer:${eventKey}`, "json");

async function until<T>(check: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("not reached");
}

describe("V1 answer cache (KV)", () => {
  it("is written only once a duplicate is seen, and then answers the same body", async () => {
    const first = await newInstanceV1();
    const eventKey = `koogallery:newInstance:${first.orderId}:OFFI000000000000000001`;
    expect(await cached(eventKey)).toBeNull();
    const second = await newInstanceV1({ orderId: first.orderId });
    const entry = await until(() => cached(eventKey));
    expect(entry).toEqual(second.answer.body);
    const third = await newInstanceV1({ orderId: first.orderId });
    expect(third.answer.text).toBe(first.answer.text);
  });

  it("a cached answer never stands in for a state-scoped call", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    for (let i = 0; i < 2; i++) expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expect(await cached(`koogallery:${instanceId}:expire`)).toBeNull();
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "NORMAL" }), "000000");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.events.filter((e) => e.type === "instance.expired")).toHaveLength(2);
  });

  it("a cached renewal answer is served without touching the instance", async () => {
    const { instanceId } = await newInstanceV1();
    const renewal = { activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" };
    expectSigned(await v1(renewal), "000000");
    expectSigned(await v1(renewal), "000000");
    await until(() => cached(`koogallery:refreshInstance:${renewal.orderId}`));
    // Poison the cache to prove the third answer comes from it, not from the object.
    await env.CACHE.put(`answer:koogallery:refreshInstance:${renewal.orderId}`, JSON.stringify({ resultCode: "000000", resultMsg: "from cache" }));
    const third = await v1(renewal);
    expectSigned(third, "000000");
    expect(third.body.resultMsg).toBe("from cache");
  });
});
