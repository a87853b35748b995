/**
 * Operational events: signed with OPS_WEBHOOK_SECRET, about dead letters, recoveries and
 * connector pauses, never carrying personal data, and delivered like any delivery without ever
 * holding up a partner or announcing their own failure.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/delivery/message";
import { MAX_ATTEMPTS } from "../../src/delivery/retry-policy";
import worker from "../../src/index";
import type { OpsMessage } from "../../src/ops/message";
import type { OpsObject } from "../../src/ops/ops-object";
import type { OpsSummary } from "../../src/ops/outbox-store";
import { opsOutbox } from "../../src/ops/relay";
import { call } from "../admin/support";
import { resetGates } from "../support/gates";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1 } from "../support/koogallery";
import { pendingMessages, setQueue, stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(async () => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
  await resetGates();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetGates();
});

const BUYER = { mobilePhone: "+8613800138000", email: "buyer@example.com", customerName: "Zhang San" };

async function expiredWithHeldDeliveries() {
  const { instanceId, orderId } = await newInstanceV1(BUYER);
  const key = `koogallery:${instanceId}`;
  await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
  await setQueue(key, "lose");
  expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
  return { key, messages: await pendingMessages(key) };
}

async function consume(message: DeliveryMessage, attempts: number): Promise<DeadLetterMessage[]> {
  const dead: DeadLetterMessage[] = [];
  const recordingEnv: Bindings = { ...env, DEAD_LETTERS: { send: async (m: DeadLetterMessage) => void dead.push(m) } as unknown as Queue };
  const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: "msg", timestamp: new Date(), attempts, body: message }]);
  await worker.queue(batch, recordingEnv, createExecutionContext());
  return dead;
}

const opsOf = (type: string) => partners.opsEvents().filter((e) => e.type === type);
const opsRows = async () =>
  runInDurableObject(env.OPS_OUTBOX.getByName("ops"), (_o: OpsObject, state) =>
    state.storage.sql
      .exec<{ delivery_id: string; type: string; status: string; payload: string }>("SELECT delivery_id, type, status, payload FROM ops_deliveries")
      .toArray(),
  );

describe("operational events", () => {
  it("a dead letter is announced, signed with the operations secret and without personal data; its replay that succeeds is announced as recovered", async () => {
    const { key, messages } = await expiredWithHeldDeliveries();
    const mor = messages.find((m) => m.connector === "mor")!;
    partners.fail("mor", 1, 200, "<page><status><error>Access Denied for buyer@example.com</error></status></page>");
    expect(await consume(mor, 1)).toHaveLength(1);

    const announced = await eventually(async () => opsOf("delivery.dead_lettered").find((e) => e.data.deliveryId === mor.deliveryId));
    expect(announced).toMatchObject({
      id: expect.stringMatching(/^ops_/),
      occurredAt: expect.any(String),
      data: {
        deliveryId: mor.deliveryId,
        connector: "mor",
        instanceKey: key,
        eventType: "instance.expired",
        attempts: 1,
        reason: expect.stringContaining("Access Denied"),
      },
    });
    const received = partners.of("ops").find((r) => JSON.parse(r.body).id === announced.id)!;
    expect(received.verified).toBe(true);
    expect(received.headers["webhook-id"]).toBe(announced.id);
    expect(received.path).toBe("/ops");
    for (const secret of Object.values(BUYER)) expect(received.body).not.toContain(secret);

    await setQueue(key, "real");
    expect(((await stubFor(key).replay(mor.deliveryId)) as { replayed: boolean }).replayed).toBe(true);
    const recovered = await eventually(async () => opsOf("delivery.recovered").find((e) => e.data.deliveryId === mor.deliveryId));
    expect(recovered.data).toMatchObject({ connector: "mor", instanceKey: key, eventType: "instance.expired", attempts: 2 });
    // Each event was delivered once: the endpoint saw no id twice.
    const ids = partners.opsEvents().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("pausing and resuming a connector is announced in that order, with who and why", async () => {
    await call("/connectors/koodrive/pause", { method: "POST", body: { reason: "carrier maintenance window" } });
    await call("/connectors/koodrive/resume", { method: "POST" });
    const events = await eventually(async () => {
      const e = partners.opsEvents().filter((x) => x.type.startsWith("connector.") && x.data.connector === "koodrive");
      return e.length >= 2 ? e : null;
    });
    expect(events.map((e) => [e.type, e.data.by])).toEqual([
      ["connector.paused", "operator"],
      ["connector.resumed", "operator"],
    ]);
    expect(events[0]!.data.reason).toBe("carrier maintenance window");
    expect(events[1]!.data.pausedSince).toBe(events[0]!.data.since);
  });

  it("an operations endpoint that is down holds up no partner delivery, and its dead event announces nothing", async () => {
    partners.fail("ops", 10_000, 503);
    const { key, messages } = await expiredWithHeldDeliveries();
    const vendor = messages.find((m) => m.connector === "vendor")!;
    partners.fail("vendor", 1, 410);
    await consume(vendor, 1);
    const event = await eventually(async () => (await opsRows()).find((r) => r.type === "delivery.dead_lettered" && r.payload.includes(vendor.deliveryId)));

    // Partner deliveries go on while the operations endpoint fails.
    await setQueue(key, "real");
    for (const m of messages.filter((x) => x.connector !== "vendor")) await consume(m, 1);
    expect((await details(key))!.deliveries.filter((d) => d.connector !== "vendor").every((d) => d.status === "delivered")).toBe(true);

    // The operations event reaches its last attempt and dies: recorded dead, nothing announced about it.
    const before = (await opsRows()).length;
    const opsMessage: OpsMessage = { kind: "ops", deliveryId: event.delivery_id, lane: `instance:${key}`, event: JSON.parse(event.payload) };
    const batch = createMessageBatch<OpsMessage>("lifecycle-ops-events", [{ id: "ops", timestamp: new Date(), attempts: MAX_ATTEMPTS, body: opsMessage }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["ops"]);
    const rows = await opsRows();
    expect(rows.find((r) => r.delivery_id === event.delivery_id)!.status).toBe("dead");
    expect(rows).toHaveLength(before);
    const summary = (await opsOutbox(env).summary()) as OpsSummary;
    expect(summary.dead).toBeGreaterThanOrEqual(1);
    expect(summary.lastFailure?.reason).toMatch(/operations endpoint answered HTTP 503/);
  });
});
