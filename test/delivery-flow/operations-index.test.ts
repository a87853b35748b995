/**
 * The operations index and figures: a projection of the instance objects, written after they
 * commit, searchable with filters and cursors, counting each outcome once, and rebuildable from
 * the instances.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/delivery/message";
import worker from "../../src/index";
import type { IndexObject } from "../../src/projection/index-object";
import { inboundFlushed } from "../../src/projection/inbound";
import { operationsIndex } from "../../src/projection/project";
import type { DeliveryProjection } from "../../src/projection/types";
import { call } from "../admin/support";
import { resetGates } from "../support/gates";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, v1, v1Url, send } from "../support/koogallery";
import { pendingMessages, setQueue } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(async () => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
  await resetGates();
});
afterEach(() => vi.restoreAllMocks());

interface Page<T> {
  items: T[];
  cursor: string | null;
}
type Inst = { key: string; state: string; source: string; updatedAt: string };
type Dlv = { deliveryId: string; instanceKey: string; connector: string; status: string; attempts: number; reason: string | null; eventType: string };
type Stats = { inbound: Array<{ route: string; result: string; calls: number }>; deliveries: Array<{ connector: string; outcome: string; count: number }> };

/** Every page of a search, following cursors (bounded). */
async function all<T>(path: string, limit = 2): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const answer: { status: number; text: string; body: Page<T> } = await call<Page<T>>(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(answer.status, answer.text).toBe(200);
    items.push(...answer.body.items);
    cursor = answer.body.cursor;
    if (!cursor) return items;
  }
  throw new Error("too many pages");
}

async function provisioned() {
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
  return { key, instanceId, orderId };
}

const stats = async (): Promise<Stats> => (await call<Stats>("/stats?window=1h")).body;
const inboundCount = (s: Stats, result: string) => s.inbound.filter((r) => r.route === "koogallery" && r.result === result).reduce((n, r) => n + r.calls, 0);
const deliveryCount = (s: Stats, connector: string, outcome: string) =>
  s.deliveries.find((r) => r.connector === connector && r.outcome === outcome)?.count ?? 0;

describe("instance search", () => {
  it("filters by state and source, newest change first, page by page without repeats", async () => {
    const first = await provisioned();
    const second = await provisioned();
    const third = await provisioned();
    const afterThird = new Date().toISOString();
    for (const i of [first, second]) expectSigned(await v1({ activity: "expireInstance", instanceId: i.instanceId, orderId: i.orderId }), "000000");

    const expired = await eventually(async () => {
      const items = await all<Inst>("/instances?state=expired");
      const ours = items.map((i) => i.key).filter((k) => k === first.key || k === second.key);
      return ours.length === 2 ? { items, ours } : null;
    });
    expect(expired.ours).toEqual([second.key, first.key]);
    expect(new Set(expired.items.map((i) => i.key)).size).toBe(expired.items.length);
    expect(expired.items.every((i) => i.state === "expired")).toBe(true);
    const times = expired.items.map((i) => i.updatedAt);
    expect([...times].sort().reverse()).toEqual(times);

    const active = (await all<Inst>("/instances?state=active&source=koogallery")).map((i) => i.key);
    expect(active).toContain(third.key);
    expect(active).not.toContain(first.key);
    expect((await all<Inst>("/instances?source=activeplatform")).map((i) => i.key)).not.toContain(third.key);
    const recent = (await all<Inst>(`/instances?updatedSince=${encodeURIComponent(afterThird)}`)).map((i) => i.key);
    expect(recent).toEqual(expect.arrayContaining([first.key, second.key]));
    expect(recent).not.toContain(third.key);
    // Let the expiries' deliveries settle, so that they are not counted in the next test's figures.
    for (const i of [first, second]) await eventually(async () => (await details(i.key))!.deliveries.every((d) => d.status === "delivered"));
  });
});

describe("delivery search and figures", () => {
  it("finds deliveries by status and connector, and counts each attempt's outcome once", async () => {
    const before = await stats();
    const { key, instanceId, orderId } = await provisioned();
    await setQueue(key, "lose");
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const messages = await pendingMessages(key);
    partners.fail("vendor", 1, 410);
    const dead: DeadLetterMessage[] = [];
    const recordingEnv: Bindings = { ...env, DEAD_LETTERS: { send: async (m: DeadLetterMessage) => void dead.push(m) } as unknown as Queue };
    for (const m of messages) {
      const batch = createMessageBatch<DeliveryMessage>("lifecycle-deliveries", [{ id: m.deliveryId, timestamp: new Date(), attempts: 1, body: m }]);
      await worker.queue(batch, recordingEnv, createExecutionContext());
    }
    expect(dead).toHaveLength(1);
    const vendorDead = messages.find((m) => m.connector === "vendor")!.deliveryId;
    const morDelivered = messages.find((m) => m.connector === "mor")!.deliveryId;

    const deadOnes = await eventually(async () => {
      const items = await all<Dlv>("/deliveries?status=dead&connector=vendor", 50);
      return items.some((d) => d.deliveryId === vendorDead) ? items : null;
    });
    expect(deadOnes.find((d) => d.deliveryId === vendorDead)).toMatchObject({
      instanceKey: key,
      eventType: "instance.expired",
      attempts: 1,
      reason: expect.stringContaining("410"),
    });
    expect(deadOnes.every((d) => d.status === "dead" && d.connector === "vendor")).toBe(true);
    const delivered = await all<Dlv>("/deliveries?status=delivered&connector=mor", 50);
    expect(delivered.map((d) => d.deliveryId)).toContain(morDelivered);
    expect(delivered.map((d) => d.deliveryId)).not.toContain(vendorDead);

    // Provisioning (vendor) and the expiry (vendor dead, MOR and KooDrive delivered).
    const after = await eventually(async () => {
      const s = await stats();
      return deliveryCount(s, "mor", "delivered") - deliveryCount(before, "mor", "delivered") >= 1 ? s : null;
    });
    expect(deliveryCount(after, "vendor", "dead") - deliveryCount(before, "vendor", "dead")).toBe(1);
    expect(deliveryCount(after, "mor", "delivered") - deliveryCount(before, "mor", "delivered")).toBe(1);
    expect(deliveryCount(after, "koodrive", "delivered") - deliveryCount(before, "koodrive", "delivered")).toBe(1);
    expect(deliveryCount(after, "vendor", "delivered") - deliveryCount(before, "vendor", "delivered")).toBe(1);
  });

  it("a projection sent twice, or an older one after a newer one, changes nothing and counts nothing", async () => {
    const index = operationsIndex(env);
    const now = Date.now();
    const base: DeliveryProjection = {
      deliveryId: `dlv_${crypto.randomUUID().replaceAll("-", "")}`,
      instanceKey: "koogallery:projection-test",
      connector: "mor",
      eventType: "instance.renewed",
      status: "retrying",
      attempts: 1,
      reason: "MOR answered 503",
      createdAt: new Date(now - 1000).toISOString(),
      updatedAt: new Date(now).toISOString(),
      countAs: "retrying",
    };
    const newer: DeliveryProjection = {
      ...base,
      status: "delivered",
      attempts: 2,
      reason: null,
      updatedAt: new Date(now + 1000).toISOString(),
      countAs: "delivered",
    };
    const counted = async () => {
      const s = (await index.figures(now - 60_000)) as Stats;
      return [deliveryCount(s, "mor", "retrying"), deliveryCount(s, "mor", "delivered")];
    };
    const start = await counted();
    expect(await index.project({ deliveries: [base] })).toBe(1);
    expect(await index.project({ deliveries: [base] })).toBe(0);
    expect(await index.project({ deliveries: [newer] })).toBe(1);
    expect(await index.project({ deliveries: [base] })).toBe(0);
    expect(await counted()).toEqual([start[0]! + 1, start[1]! + 1]);
    const found = (await all<Dlv>("/deliveries?connector=mor", 200)).find((d) => d.deliveryId === base.deliveryId);
    expect(found).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("inbound figures", () => {
  it("counts marketplace calls by route and result, after the answers", async () => {
    // Calls of earlier tests may still be in this isolate's tally.
    await inboundFlushed();
    const before = await stats();
    const { instanceId, orderId } = await newInstanceV1();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    // A call that fails authentication is counted under its result code too.
    const forged = await send(v1Url({ activity: "expireInstance", instanceId, orderId }, "wrong-key-0000-0000-0000-000000000000"));
    const code = forged.body.resultCode;
    expect(code).not.toBe("000000");
    const after = await eventually(async () => {
      const s = await stats();
      return inboundCount(s, "000000") - inboundCount(before, "000000") >= 2 && inboundCount(s, code) - inboundCount(before, code) >= 1 ? s : null;
    });
    expect(inboundCount(after, "000000") - inboundCount(before, "000000")).toBe(2);
    expect(inboundCount(after, code) - inboundCount(before, code)).toBe(1);
  });
});

describe("index rebuild", () => {
  it("re-projects an instance and its deliveries that the index lost, from the instance object", async () => {
    const { key } = await provisioned();
    await eventually(async () => (await all<Inst>("/instances?state=active", 200)).some((i) => i.key === key));
    await runInDurableObject(env.OPERATIONS_INDEX.getByName("index"), (_o: IndexObject, state) => {
      state.storage.sql.exec("DELETE FROM instances WHERE key = ?", key);
      state.storage.sql.exec("DELETE FROM deliveries WHERE instance_key = ?", key);
    });
    expect((await all<Inst>("/instances?state=active", 200)).some((i) => i.key === key)).toBe(false);

    const unknown = `koogallery:${crypto.randomUUID()}`;
    const rebuilt = await call<{ rebuilt: string[]; missing: string[]; failed: string[] }>("/index/rebuild", {
      method: "POST",
      body: { keys: [key, unknown] },
    });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toEqual({ rebuilt: [key], missing: [unknown], failed: [] });
    expect((await all<Inst>("/instances?state=active", 200)).some((i) => i.key === key)).toBe(true);
    const deliveries = (await all<Dlv>("/deliveries?status=delivered&connector=vendor", 200)).filter((d) => d.instanceKey === key);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.eventType).toBe("instance.provisioned");
  });
});
