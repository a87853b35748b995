/**
 * Pausing a partner, by an operator or by the circuit breaker: deliveries wait in each instance's
 * order without spending attempts, nothing is dead-lettered because the partner was down while
 * paused, a long outage costs a bounded number of calls, and on resume everything goes out in order.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import { forgetAdmissions } from "../../src/gate/admission";
import { CONSECUTIVE_FAILURES } from "../../src/gate/breaker";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/delivery/message";
import { MAX_ATTEMPTS } from "../../src/delivery/retry-policy";
import worker from "../../src/index";
import type { InstanceObject } from "../../src/instance/instance-object";
import type { DeliveryRecord } from "../../src/instance/records";
import { call } from "../admin/support";
import { gateFor, gateView, probeNow, resetGates } from "../support/gates";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, unique, v1 } from "../support/koogallery";
import { pendingMessages, setQueue, stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(async () => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
  vi.spyOn(Math, "random").mockReturnValue(0.5);
  await resetGates();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetGates();
});

async function consume(message: DeliveryMessage, attempts: number) {
  const deadLetters: DeadLetterMessage[] = [];
  const recordingEnv: Bindings = { ...env, DEAD_LETTERS: { send: async (m: DeadLetterMessage) => void deadLetters.push(m) } as unknown as Queue };
  const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: "msg", timestamp: new Date(), attempts, body: message }]);
  const retry = vi.spyOn(batch.messages[0]!, "retry");
  const ctx = createExecutionContext();
  await worker.queue(batch, recordingEnv, ctx);
  return { result: await getQueueResult(batch, ctx), deadLetters, delays: retry.mock.calls.map(([o]) => o?.delaySeconds) };
}

async function provisioned(): Promise<{ key: string; instanceId: string; orderId: string }> {
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
  return { key, instanceId, orderId };
}

const vendorDeliveries = async (key: string): Promise<DeliveryRecord[]> =>
  (await details(key))!.deliveries.filter((d) => d.connector === "vendor").sort((a, b) => a.eventSeq - b.eventSeq);
const vendorTypesReceived = (instanceId: string) =>
  partners
    .of("vendor")
    .filter((r) => r.answered === 200 && r.body.includes(instanceId))
    .map((r) => (JSON.parse(r.body) as { type: string }).type);
/** Replaces the instance's queue with one that keeps what the instance sends, for the test to deliver. */
async function recordQueue(key: string): Promise<DeliveryMessage[]> {
  const sent: DeliveryMessage[] = [];
  await runInDurableObject(stubFor(key), (instance: InstanceObject) => {
    const holder = instance as unknown as { env: Bindings };
    const queue = {
      send: async (m: DeliveryMessage) => void sent.push(m),
      sendBatch: async (ms: Array<{ body: DeliveryMessage }>) => void sent.push(...ms.map((m) => m.body)),
    } as unknown as Queue;
    holder.env = { ...holder.env, DELIVERIES: queue };
  });
  return sent;
}

const vendorMessage = async (key: string) => (await pendingMessages(key)).find((m) => m.connector === "vendor");

describe("an operator pauses a partner", () => {
  it("its deliveries wait, in order and without attempts, while other partners go on; on resume they go out in each instance's order", async () => {
    const a = await provisioned();
    const b = await provisioned();
    const paused = await call<{ connector: { paused: boolean; pause: { by: string; reason: string } } }>("/connectors/vendor/pause", {
      method: "POST",
      body: { reason: "vendor maintenance" },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.connector).toMatchObject({ paused: true, pause: { by: "operator", reason: "vendor maintenance" } });
    const vendorCallsAtPause = partners.of("vendor").length;

    for (const i of [a, b]) {
      expectSigned(await v1({ activity: "refreshInstance", instanceId: i.instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
      expectSigned(await v1({ activity: "expireInstance", instanceId: i.instanceId, orderId: i.orderId }), "000000");
      expectSigned(await v1({ activity: "releaseInstance", instanceId: i.instanceId, orderId: i.orderId }), "000000");
    }
    for (const i of [a, b]) {
      await eventually(async () => (await vendorDeliveries(i.key)).map((d) => d.status).join() === "delivered,parked,waiting,waiting");
      // MOR is not paused: its deliveries of the same events went out meanwhile.
      await eventually(async () => (await details(i.key))!.deliveries.filter((d) => d.connector === "mor").every((d) => d.status === "delivered"));
    }
    expect(partners.of("vendor")).toHaveLength(vendorCallsAtPause);
    for (const i of [a, b]) expect((await vendorDeliveries(i.key)).map((d) => d.attempts)).toEqual([1, 0, 0, 0]);
    const listed = await call<{ connectors: Array<{ name: string; paused: boolean; parkedInstances: number }> }>("/connectors");
    expect(listed.body.connectors.find((c) => c.name === "vendor")).toMatchObject({ paused: true, parkedInstances: 2 });

    const resumed = await call<{ connector: { paused: boolean } }>("/connectors/vendor/resume", { method: "POST" });
    expect(resumed.body.connector.paused).toBe(false);
    for (const i of [a, b]) {
      await eventually(async () => (await vendorDeliveries(i.key)).every((d) => d.status === "delivered"));
      expect(vendorTypesReceived(i.instanceId)).toEqual(["instance.provisioned", "instance.renewed", "instance.expired", "instance.released"]);
      expect((await vendorDeliveries(i.key)).map((d) => d.attempts)).toEqual([1, 1, 1, 1]);
    }
    expect(partners.duplicateVendorIds).toBe(0);
  });

  it("a delivery on its last attempt is parked, not dead-lettered, and counts on from its earlier attempts after the resume", async () => {
    const { key } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "refreshInstance", instanceId: key.split(":")[1]!, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
    const renewal = (await vendorMessage(key))!;

    // One real failed attempt, then the operator pauses the vendor.
    partners.fail("vendor", 100, 503);
    expect((await consume(renewal, 1)).delays).toEqual([5]);
    await call("/connectors/vendor/pause", { method: "POST" });
    const callsAtPause = partners.of("vendor").length;

    // Queues hands the message over once more, at what would be its last attempt: parked, not dead.
    const last = await consume(renewal, MAX_ATTEMPTS);
    expect(last.result.explicitAcks).toEqual(["msg"]);
    expect(last.deadLetters).toEqual([]);
    expect(partners.of("vendor")).toHaveLength(callsAtPause);
    const parked = (await vendorDeliveries(key)).at(-1)!;
    expect(parked).toMatchObject({ status: "parked", attempts: 1 });

    // Resumed while the vendor still fails: the woken message carries the one attempt made, so
    // the next failure is the policy's second (30 s), not a first (5 s).
    const sent = await recordQueue(key);
    await call("/connectors/vendor/resume", { method: "POST" });
    const woken = await eventually(async () => sent.find((m) => m.deliveryId === renewal.deliveryId));
    expect(woken.priorAttempts).toBe(1);
    expect((await consume(woken, 1)).delays).toEqual([30]);
    partners.faults.clear();
    expect((await consume(woken, 2)).result.explicitAcks).toEqual(["msg"]);
    expect((await vendorDeliveries(key)).at(-1)).toMatchObject({ status: "delivered", attempts: 3 });
  });
});

describe("the circuit breaker", () => {
  it("opens on a partner that keeps failing, costs one call per probe however long the outage, dead-letters nothing, and drains in order when the partner is back", async () => {
    const instances = [await provisioned(), await provisioned(), await provisioned()];
    for (const i of instances) {
      await setQueue(i.key, "lose");
      expectSigned(await v1({ activity: "expireInstance", instanceId: i.instanceId, orderId: i.orderId }), "000000");
    }
    // The first instance has a second event queued behind the first, to check the order after the outage.
    expectSigned(await v1({ activity: "releaseInstance", instanceId: instances[0]!.instanceId, orderId: instances[0]!.orderId }), "000000");
    partners.fail("vendor", 10_000, 503);
    const vendorCalls = () => partners.of("vendor").length;
    const before = vendorCalls();

    // Rounds of attempts over the three instances: the breaker opens at the 8th failure in a row
    // (the second instance's third attempt); the messages that come after it are parked.
    const deadLetters: DeadLetterMessage[] = [];
    for (let round = 1; round <= 4; round++) {
      for (const i of instances) {
        const message = await vendorMessage(i.key);
        if (message) deadLetters.push(...(await consume(message, round)).deadLetters);
      }
    }
    expect(vendorCalls() - before).toBe(CONSECUTIVE_FAILURES);
    const open = await gateView("vendor");
    expect(open.pause).toMatchObject({
      by: "breaker",
      reason: expect.stringMatching(/^8 attempts in a row failed \(last: vendor endpoint answered HTTP 503\)/),
    });
    expect(open.breaker.state).toBe("open");
    expect(open.parkedInstances).toBe(3);
    const attemptsAtOpen = await Promise.all(instances.map(async (i) => (await vendorDeliveries(i.key)).map((d) => d.attempts)));

    // A long outage: each probe is one parked delivery sent as itself, and costs one call.
    const PROBES = 20;
    for (let p = 0; p < PROBES; p++) {
      await probeNow("vendor");
      const probed = (await Promise.all(instances.map((i) => vendorMessage(i.key)))).filter((m): m is DeliveryMessage => !!m);
      expect(probed).toHaveLength(1);
      const outcome = await consume(probed[0]!, 1);
      expect(outcome.result.explicitAcks).toEqual(["msg"]);
      deadLetters.push(...outcome.deadLetters);
    }
    expect(vendorCalls() - before).toBe(CONSECUTIVE_FAILURES + PROBES);
    expect(deadLetters).toEqual([]);
    // Probes spend no attempts, and every instance had its turn (the oldest parked goes first).
    expect(await Promise.all(instances.map(async (i) => (await vendorDeliveries(i.key)).map((d) => d.attempts)))).toEqual(attemptsAtOpen);
    const probedInstances = new Set(
      partners
        .of("vendor")
        .slice(before + CONSECUTIVE_FAILURES)
        .map((r) => (JSON.parse(r.body) as { instance: { key: string } }).instance.key),
    );
    expect(probedInstances.size).toBe(3);
    const stillOpen = await gateView("vendor");
    expect(stillOpen.paused).toBe(true);
    expect(Date.parse(stillOpen.breaker.nextProbeAt!) - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    // The partner answers again: the next probe succeeds, the breaker closes, the rest drains in order.
    partners.faults.clear();
    await probeNow("vendor");
    const probe = (await Promise.all(instances.map((i) => vendorMessage(i.key)))).find((m): m is DeliveryMessage => !!m)!;
    await consume(probe, 1);
    await eventually(async () => !(await gateView("vendor")).paused);
    for (let step = 0; step < 4; step++) {
      const woken = await eventually(async () => {
        const messages = (await Promise.all(instances.map((i) => vendorMessage(i.key)))).filter((m): m is DeliveryMessage => !!m);
        const settled = (await Promise.all(instances.map((i) => vendorDeliveries(i.key)))).flat().every((d) => d.status === "delivered");
        return messages.length > 0 || settled ? { messages, settled } : null;
      });
      if (woken.settled) break;
      for (const m of woken.messages) await consume(m, 1);
    }
    for (const i of instances) expect((await vendorDeliveries(i.key)).every((d) => d.status === "delivered")).toBe(true);
    expect(vendorTypesReceived(instances[0]!.instanceId)).toEqual(["instance.provisioned", "instance.expired", "instance.released"]);
    // Recovery cost: one successful probe, then the other two expiries and the release.
    expect(vendorCalls() - before).toBe(CONSECUTIVE_FAILURES + PROBES + 4);
  });

  it("a probe the partner refuses for that delivery alone closes the breaker (the partner answers) and the delivery dies on its own merits", async () => {
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    // Open the breaker as eight timeouts of two deliveries would.
    const failures = Array.from({ length: CONSECUTIVE_FAILURES }, (_, n) => ({ deliveryId: `dlv_other${n % 2}`, ok: false, counts: true, reason: "timeout" }));
    await gateFor("vendor").report("vendor", failures);
    expect((await gateView("vendor")).pause?.by).toBe("breaker");
    // Those failures did not pass through this isolate's consumer: its "not paused" would last up to 5 s.
    forgetAdmissions();
    const expiry = (await vendorMessage(key))!;
    expect((await consume(expiry, 1)).deadLetters).toEqual([]);
    expect((await vendorDeliveries(key)).at(-1)!.status).toBe("parked");

    partners.fail("vendor", 1, 422);
    await probeNow("vendor");
    const probe = (await vendorMessage(key))!;
    const { deadLetters } = await consume(probe, 1);
    expect((await gateView("vendor")).paused).toBe(false);
    expect(deadLetters).toHaveLength(1);
    expect((await vendorDeliveries(key)).at(-1)).toMatchObject({ status: "dead", attempts: 1 });
  });
});
