import { describe, expect, it } from "vitest";
import { details } from "../../support/instances";
import { expectSigned, newInstanceV1, send, unique, v1Url, v2Request } from "../../support/koogallery";

describe("concurrent identical calls", () => {
  it("50 concurrent V1 newInstance calls for one order: one instance, one event, 50 identical answers", async () => {
    const orderId = unique("CC");
    const urls = Array.from({ length: 50 }, () =>
      v1Url({ activity: "newInstance", businessId: crypto.randomUUID(), customerId: "c", orderId, productId: "P1" }),
    );
    const answers = await Promise.all(urls.map((u) => send(u)));
    for (const a of answers) expectSigned(a, "000000");
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const d = await details(`koogallery:${String(answers[0]!.body.instanceId)}`);
    expect(d?.events).toHaveLength(1);
    expect(d?.instance.version).toBe(1);
  });

  it("50 concurrent V2 FREEZE calls (fresh nonces): one transition, 50 identical answers", async () => {
    const { instanceId } = await newInstanceV1();
    const requests = Array.from({ length: 50 }, () => v2Request({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }));
    const answers = await Promise.all(requests.map((r) => send(r)));
    for (const a of answers) expectSigned(a, "000000");
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.events.filter((e) => e.type === "instance.expired")).toHaveLength(1);
  });

  it("50 concurrent renewals with the same order extend once", async () => {
    const { instanceId } = await newInstanceV1();
    const orderId = unique("RN");
    const urls = Array.from({ length: 50 }, () => v1Url({ activity: "refreshInstance", instanceId, orderId, expireTime: "20310101000000" }));
    const answers = await Promise.all(urls.map((u) => send(u)));
    for (const a of answers) expectSigned(a, "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.events.filter((e) => e.type === "instance.renewed")).toHaveLength(1);
  });
});
