import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ReplayResponse } from "../../src/admin/schemas";
import { indexDeadLetter, listDeadLetters, type DeadLetterSummary } from "../../src/delivery/dead-letters";
import { call, detailsOf, provisioned, seedDelivery, type ErrorAnswer } from "./support";

type Replay = ReturnType<typeof ReplayResponse.parse>;

export async function indexed(): Promise<DeadLetterSummary[]> {
  const all: DeadLetterSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = await listDeadLetters(env.CACHE, { limit: 1000, cursor });
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

async function deliveryIn(key: string, deliveryId: string) {
  return (await detailsOf(key)).deliveries.find((d) => d.deliveryId === deliveryId);
}

describe("POST /admin/deliveries/{deliveryId}/replay", () => {
  it("queues a dead-lettered delivery again; it leaves the dead list and the queue consumer attempts it", async () => {
    const { key } = await provisioned();
    const deadAt = "2002-01-01T00:00:00.000Z";
    const deliveryId = await seedDelivery(key, { status: "dead", deadAt });
    expect((await indexed()).some((d) => d.deliveryId === deliveryId)).toBe(true);

    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    const body = ReplayResponse.parse(answer.body);
    expect(body).toMatchObject({ replayed: true, instanceKey: key, delivery: { deliveryId, status: "pending", attempts: 1 } });
    expect(Date.parse(body.delivery.leaseUntil!)).toBeGreaterThan(Date.now());
    expect((await indexed()).some((d) => d.deliveryId === deliveryId && d.deadAt === deadAt)).toBe(false);

    // The re-queued message reaches the real `lifecycle-deliveries` consumer, which records its
    // attempt against the partner connector in the instance (whatever the partner answers).
    await vi.waitFor(
      async () => {
        expect((await deliveryIn(key, deliveryId))?.attempts).toBeGreaterThanOrEqual(2);
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it("a failing delivery that is not dead yet is found through ?instance=", async () => {
    const { key } = await provisioned();
    const deliveryId = await seedDelivery(key, { status: "pending", connector: "mor" });
    const withoutHint = await call<ErrorAnswer>(`/deliveries/${deliveryId}/replay`, { method: "POST" });
    expect(withoutHint.status).toBe(404);
    expect(withoutHint.body.error.message).toContain("?instance=");
    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay?instance=${encodeURIComponent(key)}`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.delivery.status).toBe("pending");
  });

  it("a delivered delivery is 409, and a stale dead-letter entry for it is dropped", async () => {
    const { key } = await provisioned();
    const deliveryId = await seedDelivery(key, { status: "delivered" });
    await indexDeadLetter(env.CACHE, {
      deliveryId,
      instanceKey: key,
      connector: "vendor",
      eventType: "instance.provisioned",
      reason: "x",
      attempts: 1,
      deadAt: "2002-01-02T00:00:00.000Z",
    });
    const answer = await call<ErrorAnswer>(`/deliveries/${deliveryId}/replay`, { method: "POST" });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({ code: "not_replayable", message: `${deliveryId}: delivery is delivered` });
    expect((await deliveryIn(key, deliveryId))?.status).toBe("delivered");
    expect((await indexed()).some((d) => d.deliveryId === deliveryId)).toBe(false);
  });

  it("an index entry naming the wrong instance falls back to ?instance= and is dropped", async () => {
    const right = await provisioned();
    const wrong = await provisioned();
    const deliveryId = await seedDelivery(right.key, { status: "dead", connector: "mor", index: false });
    await indexDeadLetter(env.CACHE, {
      deliveryId,
      instanceKey: wrong.key,
      connector: "mor",
      eventType: "instance.provisioned",
      reason: "x",
      attempts: 1,
      deadAt: "2002-01-03T00:00:00.000Z",
    });
    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay?instance=${right.key}`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.instanceKey).toBe(right.key);
    expect((await indexed()).some((d) => d.deliveryId === deliveryId)).toBe(false);
  });

  it("an unknown delivery is 404; malformed ids and instance hints are 400", async () => {
    const unknown = await call<ErrorAnswer>(`/deliveries/dlv_${"0".repeat(32)}/replay`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const badId = await call<ErrorAnswer>("/deliveries/dlv.bad!/replay", { method: "POST" });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/^path\.deliveryId: /);
    const badHint = await call<ErrorAnswer>(`/deliveries/dlv_1/replay?instance=nope`, { method: "POST" });
    expect(badHint.status).toBe(400);
    expect(badHint.body.error.message).toMatch(/^query\.instance: /);
  });

  it("GET is 405 with Allow: POST", async () => {
    const answer = await call(`/deliveries/dlv_1/replay`);
    expect(answer.status).toBe(405);
    expect(answer.headers.get("Allow")).toBe("POST");
  });
});
