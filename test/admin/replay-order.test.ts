/**
 * Replay never reorders a partner's view of an instance: a dead delivery whose partner has since
 * received (or is receiving) a later event of the same instance is refused unless `force` is
 * given, and a replayed delivery waits behind one already in flight to the same partner.
 *
 * Setup: an instance with three events (provisioned, renewed, expired) and seeded outbox rows on
 * the renewal and the expiry, as the MOR connector would have them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BulkReplayResponse, ReplayResponse } from "../../src/admin/schemas";
import { listDeadLetters } from "../../src/delivery/dead-letters";
import { expectSigned, unique, v1 } from "../support/koogallery";
import { call, detailsOf, provisioned, seedDelivery, type ErrorAnswer } from "./support";

type Replay = ReturnType<typeof ReplayResponse.parse>;
type Bulk = ReturnType<typeof BulkReplayResponse.parse>;

async function renewedThenExpired(): Promise<{ key: string }> {
  const { instanceId, key } = await provisioned();
  expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
  expectSigned(await v1({ activity: "expireInstance", instanceId, orderId: unique("CS") }), "000000");
  return { key };
}

async function isListedDead(deliveryId: string): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const page = await listDeadLetters(env.CACHE, { limit: 1000, cursor });
    if (page.items.some((d) => d.deliveryId === deliveryId)) return true;
    cursor = page.cursor;
  } while (cursor);
  return false;
}

const statusOf = async (key: string, deliveryId: string) => (await detailsOf(key)).deliveries.find((d) => d.deliveryId === deliveryId)?.status;

describe("replay keeps each partner's order", () => {
  it("an older dead delivery is refused once a later one reached the same partner; it stays dead and listed", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    const expiry = await seedDelivery(key, { status: "delivered", connector: "mor", eventType: "instance.expired" });

    const answer = await call<ErrorAnswer>(`/deliveries/${renewal}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body.error.code).toBe("superseded");
    expect(answer.body.error.message).toBe(
      `${renewal}: a later event (instance.expired, delivery ${expiry}) was already delivered to mor; ` +
        "replaying this one would move mor's view of the instance back. Pass force=true to send it anyway.",
    );
    expect(await statusOf(key, renewal)).toBe("dead");
    expect(await isListedDead(renewal)).toBe(true);
  });

  it("force=true sends it anyway and says so", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    const expiry = await seedDelivery(key, { status: "delivered", connector: "mor", eventType: "instance.expired" });
    const answer = await call<Replay>(`/deliveries/${renewal}/replay?force=true`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(ReplayResponse.parse(answer.body)).toMatchObject({
      replayed: true,
      instanceKey: key,
      forced: true,
      supersededBy: expiry,
      delivery: { deliveryId: renewal, status: "pending" },
    });
  });

  it("an in-order replay says it was not forced", async () => {
    const { key } = await renewedThenExpired();
    const expiry = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.expired" });
    await seedDelivery(key, { status: "delivered", connector: "mor", eventType: "instance.renewed" });
    const answer = await call<Replay>(`/deliveries/${expiry}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toMatchObject({ forced: false, supersededBy: null, delivery: { status: "pending" } });
  });

  it("a later delivery still in flight to the partner also refuses the older one", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    await seedDelivery(key, { status: "pending", connector: "mor", eventType: "instance.expired" });
    const answer = await call<ErrorAnswer>(`/deliveries/${renewal}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body.error.message).toMatch(/is already on its way to mor/);
  });

  it("a replay waits behind an earlier delivery still in flight to the same partner", async () => {
    const { key } = await renewedThenExpired();
    const inFlight = await seedDelivery(key, { status: "pending", connector: "mor", eventType: "instance.renewed" });
    const expiry = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.expired" });
    const answer = await call<Replay>(`/deliveries/${expiry}/replay?instance=${encodeURIComponent(key)}`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.delivery.status).toBe("waiting");
    expect(await statusOf(key, inFlight)).toBe("pending");
  });

  it("other partners do not hold a replay back", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    await seedDelivery(key, { status: "delivered", connector: "vendor", eventType: "instance.expired" });
    const answer = await call<Replay>(`/deliveries/${renewal}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.forced).toBe(false);
  });
});

describe("bulk replays keep each partner's order", () => {
  it("an instance's dead deliveries are replayed oldest first: the later one waits for the earlier", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    const expiry = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.expired" });
    const answer = await call<Bulk>(`/instances/${encodeURIComponent(key)}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.replayed.map((r) => r.deliveryId)).toEqual([renewal, expiry]);
    expect([await statusOf(key, renewal), await statusOf(key, expiry)]).toEqual(["pending", "waiting"]);
  });

  it("a superseded dead delivery is skipped with the reason, unless force is given", async () => {
    const { key } = await renewedThenExpired();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed" });
    await seedDelivery(key, { status: "delivered", connector: "mor", eventType: "instance.expired" });
    const refused = await call<Bulk>(`/instances/${encodeURIComponent(key)}/replay`, { method: "POST", body: {} });
    expect(refused.body.replayed).toEqual([]);
    expect(refused.body.skipped).toEqual([
      {
        deliveryId: renewal,
        instanceKey: key,
        reason: expect.stringMatching(/^a later event \(instance\.expired, delivery dlv_\w+\) was already delivered to mor/),
      },
    ]);
    expect(await statusOf(key, renewal)).toBe("dead");
    const forced = await call<Bulk>(`/instances/${encodeURIComponent(key)}/replay`, { method: "POST", body: { force: true } });
    expect(forced.body.replayed).toEqual([{ deliveryId: renewal, instanceKey: key }]);
  });

  it("a dead-letter window replays each instance's deliveries in event order, though the index lists newest first", async () => {
    const { key } = await renewedThenExpired();
    const at = (minute: number) => new Date(Date.UTC(2005, 2, 3, 4, minute)).toISOString();
    const renewal = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.renewed", deadAt: at(1) });
    const expiry = await seedDelivery(key, { status: "dead", connector: "mor", eventType: "instance.expired", deadAt: at(2) });
    const answer = await call<Bulk>("/dead-letters/replay", { method: "POST", body: { since: at(0), until: at(3) } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.replayed.map((r) => r.deliveryId).sort()).toEqual([renewal, expiry].sort());
    expect([await statusOf(key, renewal), await statusOf(key, expiry)]).toEqual(["pending", "waiting"]);
  });
});
