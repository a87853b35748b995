/**
 * Bulk replays. Seeded deliveries use the `mor` connector on the provisioning event: once
 * replayed, the real queue consumer records them `skipped` (MOR does not react to
 * instance.provisioned), so they never die again and the counts below cannot race with it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BulkReplayResponse } from "../../src/admin/schemas";
import { indexDeadLetter, listDeadLetters, type DeadLetterSummary } from "../../src/delivery/dead-letters";
import { call, detailsOf, provisioned, seedDelivery, type ErrorAnswer } from "./support";

type Bulk = ReturnType<typeof BulkReplayResponse.parse>;

async function indexedIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await listDeadLetters(env.CACHE, { limit: 1000, cursor });
    for (const item of page.items) ids.add(item.deliveryId);
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

const replayedIds = (b: Bulk) => b.replayed.map((r) => r.deliveryId).sort();

describe("POST /admin/instances/{key}/replay", () => {
  it("re-queues the instance's dead deliveries, `limit` per call, and leaves the others alone", async () => {
    const { key } = await provisioned();
    const dead = [
      await seedDelivery(key, { status: "dead", connector: "mor", deadAt: "2003-01-01T00:00:00.000Z" }),
      await seedDelivery(key, { status: "dead", connector: "mor", deadAt: "2003-01-01T00:01:00.000Z" }),
      await seedDelivery(key, { status: "dead", connector: "mor", deadAt: "2003-01-01T00:02:00.000Z" }),
    ];
    const delivered = await seedDelivery(key, { status: "delivered", connector: "mor" });
    const pending = await seedDelivery(key, { status: "pending", connector: "mor" });

    const first = await call<Bulk>(`/instances/${encodeURIComponent(key)}/replay`, { method: "POST", body: { limit: 2 } });
    expect(first.status, first.text).toBe(200);
    const firstBody = BulkReplayResponse.parse(first.body);
    expect(firstBody.replayed).toHaveLength(2);
    expect(firstBody).toMatchObject({ skipped: [], more: true, cursor: null });
    for (const r of firstBody.replayed) expect(r.instanceKey).toBe(key);

    const second = await call<Bulk>(`/instances/${key}/replay`, { method: "POST" });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({ skipped: [], more: false });
    expect([...replayedIds(firstBody), ...replayedIds(second.body)].sort()).toEqual([...dead].sort());

    const third = await call<Bulk>(`/instances/${key}/replay`, { method: "POST", body: {} });
    expect(third.body).toEqual({ replayed: [], skipped: [], more: false, cursor: null });

    const deliveries = (await detailsOf(key)).deliveries;
    expect(deliveries.find((d) => d.deliveryId === delivered)?.status).toBe("delivered");
    expect(deliveries.find((d) => d.deliveryId === pending)?.attempts).toBe(0);
    for (const id of dead) expect(deliveries.find((d) => d.deliveryId === id)?.status).not.toBe("dead");
    const stillIndexed = await indexedIds();
    for (const id of dead) expect(stillIndexed.has(id)).toBe(false);
  });

  it("an unknown instance is 404", async () => {
    const answer = await call<ErrorAnswer>(`/instances/koogallery:${crypto.randomUUID()}/replay`, { method: "POST" });
    expect(answer.status).toBe(404);
  });

  it.each([
    [{ limit: 0 }, /^body\.limit: /],
    [{ limit: 101 }, /^body\.limit: /],
    [{ limit: "5" }, /^body\.limit: /],
    [{ all: true }, /^body: /],
  ])("%j is 400", async (body, message) => {
    const { key } = await provisioned();
    const answer = await call<ErrorAnswer>(`/instances/${key}/replay`, { method: "POST", body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(message);
  });
});

describe("POST /admin/dead-letters/replay", () => {
  const at = (minute: number) => new Date(Date.UTC(2004, 5, 6, 12, minute)).toISOString();

  it("re-queues what died in [since, until), newest first, filtered by connector, continuing with the cursor", async () => {
    const a = await provisioned();
    const b = await provisioned();
    const before = await seedDelivery(a.key, { status: "dead", connector: "mor", deadAt: at(0) });
    const m10 = await seedDelivery(a.key, { status: "dead", connector: "mor", deadAt: at(10) });
    const v15 = await seedDelivery(b.key, { status: "dead", connector: "vendor", deadAt: at(15) });
    const m20 = await seedDelivery(b.key, { status: "dead", connector: "mor", deadAt: at(20) });
    const atUntil = await seedDelivery(a.key, { status: "dead", connector: "mor", deadAt: at(30) });

    const window = { since: at(10), until: at(30), connector: "mor" };
    const first = await call<Bulk>("/dead-letters/replay", { method: "POST", body: { ...window, limit: 1 } });
    expect(first.status, first.text).toBe(200);
    const firstBody = BulkReplayResponse.parse(first.body);
    expect(firstBody.replayed).toEqual([{ deliveryId: m20, instanceKey: b.key }]);
    expect(firstBody.more).toBe(true);

    const second = await call<Bulk>("/dead-letters/replay", {
      method: "POST",
      body: { ...window, limit: 1, ...(firstBody.cursor ? { cursor: firstBody.cursor } : {}) },
    });
    expect(second.status, second.text).toBe(200);
    expect(second.body.replayed).toEqual([{ deliveryId: m10, instanceKey: a.key }]);
    expect(second.body.more).toBe(false);

    const again = await call<Bulk>("/dead-letters/replay", { method: "POST", body: window });
    expect(again.body).toMatchObject({ replayed: [], skipped: [], more: false });

    const left = await indexedIds();
    expect([before, v15, atUntil].every((id) => left.has(id))).toBe(true);
    expect(left.has(m10) || left.has(m20)).toBe(false);
  });

  it("reports entries it cannot replay as skipped, and drops them from the dead list", async () => {
    const { key } = await provisioned();
    const delivered = await seedDelivery(key, { status: "delivered", connector: "mor" });
    const ghost = `dlv_${"f".repeat(32)}`;
    for (const [deliveryId, minute] of [
      [delivered, 40],
      [ghost, 41],
    ] as const) {
      const summary: DeadLetterSummary = {
        deliveryId,
        instanceKey: key,
        connector: "mor",
        eventType: "instance.provisioned",
        reason: "x",
        attempts: 3,
        deadAt: at(minute),
      };
      await indexDeadLetter(env.CACHE, summary);
    }
    const answer = await call<Bulk>("/dead-letters/replay", { method: "POST", body: { since: at(40), until: at(42) } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.replayed).toEqual([]);
    expect(answer.body.skipped).toEqual([
      { deliveryId: ghost, instanceKey: key, reason: "the instance does not know this delivery" },
      { deliveryId: delivered, instanceKey: key, reason: "delivery is delivered" },
    ]);
    const left = await indexedIds();
    expect(left.has(delivered) || left.has(ghost)).toBe(false);
  });

  it.each([
    ["no since", { until: "2004-01-01T00:00:00Z" }, /^body\.since: /],
    ["a date without time", { since: "2004-01-01" }, /^body\.since: /],
    ["since after until", { since: "2004-01-02T00:00:00Z", until: "2004-01-01T00:00:00Z" }, /^body\.until: since must be before until$/],
    ["an unknown connector", { since: "2004-01-01T00:00:00Z", connector: "stripe" }, /^body\.connector: /],
    ["a limit over 100", { since: "2004-01-01T00:00:00Z", limit: 500 }, /^body\.limit: /],
    ["an unknown field", { since: "2004-01-01T00:00:00Z", instance: "koogallery:x" }, /^body: /],
  ])("%s is 400", async (_name, body, message) => {
    const answer = await call<ErrorAnswer>("/dead-letters/replay", { method: "POST", body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(message);
  });
});
