/**
 * A partner receives one instance's events in the order they happened: per connector, one
 * delivery is in flight and the later ones wait for it to settle.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { DeliveryMessage } from "../../src/delivery/message";
import worker from "../../src/index";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, unique, v1 } from "../support/koogallery";
import { pendingMessages, setQueue } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
});
afterEach(() => vi.restoreAllMocks());

async function consume(message: DeliveryMessage): Promise<void> {
  const recordingEnv: Bindings = { ...env, DEAD_LETTERS: { send: async () => undefined } as unknown as Queue };
  const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: "m", timestamp: new Date(), attempts: 1, body: message }]);
  await worker.queue(batch, recordingEnv, createExecutionContext());
}

const statuses = async (key: string, connector: string) =>
  (await details(key))!.deliveries
    .filter((d) => d.connector === connector)
    .sort((a, b) => a.eventSeq - b.eventSeq)
    .map((d) => d.status);

describe("per-partner ordering", () => {
  it("renew, expire, release reach MOR in that order even when each is held up", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
    expect(await statuses(key, "mor")).toEqual(["pending", "waiting", "waiting"]);
    expect((await pendingMessages(key)).filter((m) => m.connector === "mor").map((m) => m.event.type)).toEqual(["instance.renewed"]);

    // The renewal's delivery fails permanently (dead-lettered): the next one still goes, in order.
    partners.fail("mor", 1, 200, "<page><status><error>Access Denied</error></status></page>");
    for (const expected of [
      ["dead", "pending", "waiting"],
      ["dead", "delivered", "pending"],
      ["dead", "delivered", "delivered"],
    ]) {
      const head = (await pendingMessages(key)).find((m) => m.connector === "mor")!;
      await consume(head);
      expect(await statuses(key, "mor")).toEqual(expected);
    }
    expect(partners.of("mor").map((r) => r.path.split("/").pop())).toEqual(["subscription_update", "subscription_update", "subscription_delete"]);
    const ends = partners
      .of("mor")
      .slice(0, 2)
      .map((r) => Number(new URLSearchParams(r.body).get("subscription_activation_end")));
    expect(ends[0]).toBe(Date.UTC(2030, 0, 1) / 1000);
    expect(ends[1]).toBeLessThan(ends[0]!);
  });

  it("different partners do not wait for each other", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    expect((await pendingMessages(key)).map((m) => m.connector).sort()).toEqual(["koodrive", "mor", "vendor"]);
  });
});
