/**
 * The admin API takes back every name the product gives: instance keys of every kind (ActivePlatform
 * users live under `activeplatform-user:{id}`) and delivery ids, in paths, queries and answers.
 * And an answer that does not match its documented schema is logged and still sent, never turned
 * into a 500 after the operation it reports has already happened.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BulkReplayResponse, DeadLetterPage, DeliveryId, InstanceDetailsResponse, InstanceKey, ReplayResponse } from "../../src/admin/schemas";
import { indexDeadLetter } from "../../src/delivery/dead-letters";
import { INSTANCE_KEY_KINDS, instanceKeyOf, newDeliveryId } from "../../src/instance/keys";
import { call as apCall, unique } from "../support/activeplatform";
import { call, detailsOf, provisioned, seedDelivery, stubFor } from "./support";

type Page = ReturnType<typeof DeadLetterPage.parse>;
type Replay = ReturnType<typeof ReplayResponse.parse>;
type Bulk = ReturnType<typeof BulkReplayResponse.parse>;

afterEach(() => vi.restoreAllMocks());

/** A user created through the Worker, as ActivePlatform creates one. */
async function activePlatformUser(): Promise<string> {
  const answer = await apCall("user/create", { password: "password", email: `${unique("ops")}@example.test`, first_name: "Op", last_name: "Erator" });
  expect(answer.status, answer.text).toBe(201);
  return `activeplatform-user:${String(answer.body.id)}`;
}

async function deadUserDelivery(deadAt: string): Promise<{ key: string; deliveryId: string }> {
  const key = await activePlatformUser();
  const deliveryId = await seedDelivery(key, { status: "dead", deadAt, eventType: "user.created" });
  return { key, deliveryId };
}

const statusOf = async (key: string, deliveryId: string) => (await detailsOf(key)).deliveries.find((d) => d.deliveryId === deliveryId)?.status;

describe("names the product makes", () => {
  it("every kind of instance key and a fresh delivery id pass the admin schemas", () => {
    for (const kind of INSTANCE_KEY_KINDS) expect(InstanceKey.safeParse(instanceKeyOf(kind, crypto.randomUUID())).success, kind).toBe(true);
    expect(DeliveryId.safeParse(newDeliveryId()).success).toBe(true);
  });
});

describe("a dead-lettered ActivePlatform user delivery", () => {
  it("is listed by GET /admin/dead-letters", async () => {
    const { key, deliveryId } = await deadUserDelivery("2003-01-01T00:00:00.000Z");
    const answer = await call<Page>("/dead-letters?limit=100");
    expect(answer.status, answer.text).toBe(200);
    expect(DeadLetterPage.parse(answer.body).items).toContainEqual(expect.objectContaining({ deliveryId, instanceKey: key, eventType: "user.created" }));
  });

  it("is replayed once by POST /admin/deliveries/{id}/replay: 202, not a 500 after re-queueing", async () => {
    const { key, deliveryId } = await deadUserDelivery("2003-01-02T00:00:00.000Z");
    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(ReplayResponse.parse(answer.body)).toMatchObject({ replayed: true, instanceKey: key, delivery: { deliveryId, status: "pending" } });
    expect(await statusOf(key, deliveryId)).toBe("pending");
  });

  it("is found through ?instance= with a user key", async () => {
    const key = await activePlatformUser();
    const deliveryId = await seedDelivery(key, { status: "pending" });
    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay?instance=${encodeURIComponent(key)}`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.instanceKey).toBe(key);
  });

  it("the user object is shown and replayed by the instance routes", async () => {
    const { key, deliveryId } = await deadUserDelivery("2003-01-03T00:00:00.000Z");
    const shown = await call(`/instances/${encodeURIComponent(key)}`);
    expect(shown.status, shown.text).toBe(200);
    expect(InstanceDetailsResponse.parse(shown.body).instance.key).toBe(key);
    const replayed = await call<Bulk>(`/instances/${key}/replay`, { method: "POST" });
    expect(replayed.status, replayed.text).toBe(200);
    expect(BulkReplayResponse.parse(replayed.body).replayed).toEqual([{ deliveryId, instanceKey: key }]);
  });

  it("is replayed by a dead-letter window replay", async () => {
    const { key, deliveryId } = await deadUserDelivery("2003-02-01T00:00:00.000Z");
    const answer = await call<Bulk>("/dead-letters/replay", { method: "POST", body: { since: "2003-02-01T00:00:00.000Z", until: "2003-02-02T00:00:00.000Z" } });
    expect(answer.status, answer.text).toBe(200);
    expect(BulkReplayResponse.parse(answer.body).replayed).toEqual([{ deliveryId, instanceKey: key }]);
    expect(await statusOf(key, deliveryId)).toBe("pending");
  });
});

describe("an answer that does not match its schema", () => {
  /** The one console.error line about it, parsed; it must name paths and codes, never values. */
  function loggedMismatch(spy: { mock: { calls: unknown[][] } }): Record<string, unknown> {
    const lines = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("does not match"));
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  }

  it("after a replay: logged, and the 202 still goes out", async () => {
    const { key } = await provisioned();
    const deliveryId = await seedDelivery(key, { status: "dead", deadAt: "2003-03-01T00:00:00.000Z" });
    // An attempt recorded by an older version, in a shape the schema no longer describes.
    await runInDurableObject(stubFor(key), (_o, state) => {
      state.storage.sql.exec(
        "UPDATE deliveries SET attempt_log = ? WHERE delivery_id = ?",
        JSON.stringify([{ n: 0, at: "yesterday", outcome: "permanent", excerpt: "token=s3cr3t", durationMs: 1 }]),
        deliveryId,
      );
    });
    const spy = vi.spyOn(console, "error");
    const answer = await call<Replay>(`/deliveries/${deliveryId}/replay`, { method: "POST" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toMatchObject({ replayed: true, instanceKey: key, delivery: { deliveryId, status: "pending" } });
    expect(answer.text).not.toContain("s3cr3t");
    expect(await statusOf(key, deliveryId)).toBe("pending");
    const logged = loggedMismatch(spy);
    expect(logged).toMatchObject({ msg: "admin response does not match its schema", schema: "Replay" });
    expect(JSON.stringify(logged)).not.toContain("yesterday");
  });

  it("in the dead-letter list: logged, the page is still served, undocumented fields left out", async () => {
    await indexDeadLetter(env.CACHE, {
      deliveryId: "dlv_legacy0000000000000000000000000",
      instanceKey: "legacy-kind:1",
      connector: "vendor",
      eventType: "instance.expired",
      reason: "partner answered 500",
      attempts: 3,
      deadAt: "2003-04-01T00:00:00.000Z",
      ...{ internalNote: "not documented" },
    });
    const spy = vi.spyOn(console, "error");
    const answer = await call<Page>("/dead-letters?limit=100");
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.items).toContainEqual(expect.objectContaining({ deliveryId: "dlv_legacy0000000000000000000000000", instanceKey: "legacy-kind:1" }));
    expect(answer.text).not.toContain("internalNote");
    expect(loggedMismatch(spy)).toMatchObject({ msg: "admin response does not match its schema", schema: "DeadLetterPage" });
  });
});
