/**
 * Subscription events end to end through the Worker and the real InstanceObject: each route's
 * happy path, repeats, concurrency, and the §A.7 statuses for what the state machine refuses.
 */
import { describe, expect, it } from "vitest";
import {
  applyDirect,
  call,
  createBody,
  createSubscription,
  DAY_MS,
  details,
  expectedExternalId,
  expectTaskError,
  plan,
  plusMonthsUtc,
  seedRenewBody,
  unique,
} from "../../support/activeplatform";

const eventTypes = async (key: string) => (await details(key))?.events.map((e) => e.type).reverse();

describe("subscription/create", () => {
  it("answers 201 with the deterministic external_id and stores an active instance with plan and expiry", async () => {
    const subscriptionId = unique("S");
    const apGuid = unique("guid-");
    const before = new Date().toISOString();
    const answer = await call("subscription/create", createBody(subscriptionId), { apGuid });
    const after = new Date().toISOString();
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toEqual({ external_id: expectedExternalId(apGuid, subscriptionId) });
    const d = await details(`activeplatform:${answer.body.external_id}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.instance.source).toBe("activeplatform");
    expect(d?.instance.plan).toMatchObject({
      sku: "TEAM-M",
      period: { value: 1, type: "Month" },
      resources: [{ key: "users", quantity: 10 }],
      subscriptionId,
      apGuid,
    });
    // One month from the moment of the call.
    expect(d!.instance.expiresAt! >= plusMonthsUtc(before, 1) && d!.instance.expiresAt! <= plusMonthsUtc(after, 1)).toBe(true);
    expect(d?.events.map((e) => e.type)).toEqual(["instance.provisioned"]);
  });

  it("a repeated create (same ap_guid and subscription.id) returns the same external_id and creates nothing new", async () => {
    const first = await createSubscription();
    const again = await call("subscription/create", createBody(first.subscriptionId), { apGuid: first.apGuid });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ external_id: first.externalId });
    const d = await details(first.key);
    expect(d?.instance.version).toBe(1);
    expect(d?.events).toHaveLength(1);
  });

  it("concurrent creates of one subscription provision it once", async () => {
    const subscriptionId = unique("S");
    const answers = await Promise.all(Array.from({ length: 5 }, () => call("subscription/create", createBody(subscriptionId))));
    const ids = new Set(answers.map((a) => `${a.status}:${String(a.body.external_id)}`));
    expect([...ids]).toEqual([`201:${expectedExternalId("ap-guid-test", subscriptionId)}`]);
    expect(await eventTypes(`activeplatform:${expectedExternalId("ap-guid-test", subscriptionId)}`)).toEqual(["instance.provisioned"]);
  });

  it("the same subscription.id from another installation is another subscription", async () => {
    const subscriptionId = unique("S");
    const a = await createSubscription({ apGuid: "guid-one", subscriptionId });
    const b = await createSubscription({ apGuid: "guid-two", subscriptionId });
    expect(a.externalId).not.toBe(b.externalId);
  });

  it("an endless plan (no period) has no expiry", async () => {
    const subscriptionId = unique("S");
    const { key } = await createSubscription({ subscriptionId, body: createBody(subscriptionId, { plan: plan(null) }) });
    expect((await details(key))?.instance.expiresAt).toBeNull();
  });

  it("a Day period sets the expiry that many days ahead", async () => {
    const subscriptionId = unique("S");
    const before = Date.now();
    const { key } = await createSubscription({ subscriptionId, body: createBody(subscriptionId, { plan: plan({ value: 3, type: "Day" }) }) });
    const after = Date.now();
    const expiry = Date.parse((await details(key))!.instance.expiresAt!);
    expect(expiry >= before + 3 * DAY_MS && expiry <= after + 3 * DAY_MS).toBe(true);
  });
});

describe("subscription/renew", () => {
  it("the seed renew example renews: expiry + plan.period from the current expiry", async () => {
    const { key, externalId, apGuid } = await createSubscription({ subscriptionId: "3007255", apGuid: unique("seed-") });
    const expiresAt = (await details(key))!.instance.expiresAt!;
    const answer = await call("subscription/renew", seedRenewBody(externalId), { apGuid });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ external_id: externalId });
    const d = await details(key);
    expect(d?.instance.expiresAt).toBe(plusMonthsUtc(expiresAt, 1));
    expect(d?.instance.state).toBe("active");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.renewed", "instance.provisioned"]);
  });

  it("a resent renew answers the same and does not extend twice", async () => {
    const { key, externalId } = await createSubscription();
    const expiresAt = (await details(key))!.instance.expiresAt!;
    const first = await call("subscription/renew", seedRenewBody(externalId));
    const again = await call("subscription/renew", seedRenewBody(externalId));
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    expect((await details(key))?.instance.expiresAt).toBe(plusMonthsUtc(expiresAt, 1));
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.renewed"]);
  });

  it("a resend after another event in between still does not extend twice", async () => {
    const { key, externalId } = await createSubscription();
    const expiresAt = (await details(key))!.instance.expiresAt!;
    expect((await call("subscription/renew", seedRenewBody(externalId))).status).toBe(200);
    expect((await call("subscription/stop", { external_id: externalId })).status).toBe(200);
    expect((await call("subscription/renew", seedRenewBody(externalId))).status).toBe(200);
    expect((await details(key))?.instance.expiresAt).toBe(plusMonthsUtc(expiresAt, 1));
  });

  it("concurrent renews extend exactly once per distinct renewal", async () => {
    const { key, externalId } = await createSubscription();
    const expiresAt = Date.parse((await details(key))!.instance.expiresAt!);
    // Two distinct renewal orders (different periods), each sent four times at once.
    const daily = { ...seedRenewBody(externalId), plan: plan({ value: 1, type: "Day" }) };
    const weekly = { ...seedRenewBody(externalId), plan: plan({ value: 7, type: "Day" }) };
    const answers = await Promise.all([daily, weekly, daily, weekly, daily, weekly, daily, weekly].map((b) => call("subscription/renew", b)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const d = await details(key);
    expect(d?.events.filter((e) => e.type === "instance.renewed")).toHaveLength(2);
    expect(Date.parse(d!.instance.expiresAt!)).toBe(expiresAt + 8 * DAY_MS);
  });

  it("concurrent copies of the seed renewal extend once", async () => {
    const { key, externalId } = await createSubscription();
    const expiresAt = (await details(key))!.instance.expiresAt!;
    const answers = await Promise.all(Array.from({ length: 6 }, () => call("subscription/renew", seedRenewBody(externalId))));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect((await details(key))?.instance.expiresAt).toBe(plusMonthsUtc(expiresAt, 1));
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.renewed"]);
  });

  it("renewing an endless subscription is 422 with the seed message", async () => {
    const subscriptionId = unique("S");
    const { key, externalId } = await createSubscription({ subscriptionId, body: createBody(subscriptionId, { plan: plan(null) }) });
    expectTaskError(
      await call("subscription/renew", seedRenewBody(externalId, subscriptionId)),
      422,
      "Subscription must have an expiration date to be eligible for renew.",
    );
    const { plan: _p, ...withoutPlan } = seedRenewBody(externalId, subscriptionId);
    expectTaskError(await call("subscription/renew", withoutPlan), 422, "Subscription must have an expiration date to be eligible for renew.");
    expect((await details(key))?.instance.version).toBe(1);
  });

  it("without a period in the body, the stored plan's period is used", async () => {
    const subscriptionId = unique("S");
    const { key, externalId } = await createSubscription({ subscriptionId, body: createBody(subscriptionId, { plan: plan({ value: 2, type: "Day" }) }) });
    const expiresAt = Date.parse((await details(key))!.instance.expiresAt!);
    const { plan: _p, ...withoutPlan } = seedRenewBody(externalId, subscriptionId);
    expect((await call("subscription/renew", withoutPlan)).status).toBe(200);
    expect(Date.parse((await details(key))!.instance.expiresAt!)).toBe(expiresAt + 2 * DAY_MS);
  });

  it("renewing an expired subscription clears expired and extends from the later of now and the expiry", async () => {
    const { key, externalId } = await createSubscription();
    const expiresAt = Date.parse((await details(key))!.instance.expiresAt!);
    expect((await applyDirect(key, externalId, "expire")).outcome).toBe("applied");
    const answer = await call("subscription/renew", { ...seedRenewBody(externalId), plan: plan({ value: 5, type: "Day" }) });
    expect(answer.status, answer.text).toBe(200);
    const d = await details(key);
    expect(d?.instance.state).toBe("active");
    // The expiry is still a month ahead, so it is the later one.
    expect(Date.parse(d!.instance.expiresAt!)).toBe(expiresAt + 5 * DAY_MS);
  });

  it("an unknown external_id is 404", async () => {
    expectTaskError(await call("subscription/renew", seedRenewBody("no-such-subscription")), 404, "unknown external_id no-such-subscription");
  });

  it("a deleted subscription cannot be renewed: 409", async () => {
    const { externalId } = await createSubscription();
    expect((await call("subscription/delete", { external_id: externalId })).status).toBe(200);
    expectTaskError(await call("subscription/renew", seedRenewBody(externalId)), 409, `subscription ${externalId} was deleted`);
  });
});

describe("subscription/stop, activate, delete", () => {
  it("stop suspends, activate reactivates, delete releases; repeats answer alike without new events", async () => {
    const { key, externalId } = await createSubscription();
    const body = { external_id: externalId, reseller: { id: 1001 } };
    for (const [path, state] of [
      ["stop", "suspended"],
      ["stop", "suspended"],
      ["activate", "active"],
      ["activate", "active"],
      ["delete", "released"],
      ["delete", "released"],
    ] as const) {
      const answer = await call(`subscription/${path}`, body);
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
      expect(answer.body).toEqual({ external_id: externalId });
      expect((await details(key))?.instance.state, path).toBe(state);
    }
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.suspended", "instance.resumed", "instance.released"]);
  });

  it("activate on an active subscription is a success that changes nothing", async () => {
    const { key, externalId } = await createSubscription();
    expect((await call("subscription/activate", { external_id: externalId })).status).toBe(200);
    expect((await details(key))?.instance.version).toBe(1);
  });

  it("a stop after another activate is a new event, not a repeat", async () => {
    const { key, externalId } = await createSubscription();
    for (const path of ["stop", "activate", "stop"]) expect((await call(`subscription/${path}`, { external_id: externalId })).status).toBe(200);
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.suspended", "instance.resumed", "instance.suspended"]);
  });

  it("illegal transitions are 409 with a clear message and change nothing", async () => {
    const { key, externalId } = await createSubscription();
    expect((await applyDirect(key, externalId, "expire")).outcome).toBe("applied");
    expectTaskError(
      await call("subscription/stop", { external_id: externalId }),
      409,
      "subscription/stop is not allowed now: cannot suspend a subscription that is expired",
    );
    expect((await call("subscription/delete", { external_id: externalId })).status).toBe(200);
    expectTaskError(await call("subscription/stop", { external_id: externalId }), 409, `subscription ${externalId} was deleted`);
    expectTaskError(await call("subscription/activate", { external_id: externalId }), 409, `subscription ${externalId} was deleted`);
    expect((await details(key))?.instance.state).toBe("released");
  });

  it("unknown external_ids are 404", async () => {
    for (const path of ["stop", "activate", "delete"]) {
      expectTaskError(await call(`subscription/${path}`, { external_id: "unknown-sub" }), 404, "unknown external_id unknown-sub");
    }
  });
});

describe("subscription/change", () => {
  it("stores the new plan and resources as instance.updated; a repeat answers alike with no new event", async () => {
    const { key, externalId } = await createSubscription();
    const newPlan = plan({ value: 1, type: "Year" }, [
      { key: "users", quantity: 25 },
      { key: "storage_gb", quantity: 100 },
    ]);
    const body = { external_id: externalId, plan: { ...newPlan, sku: "TEAM-Y" } };
    const first = await call("subscription/change", body);
    const again = await call("subscription/change", body);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    const d = await details(key);
    expect(d?.instance.plan).toMatchObject({
      sku: "TEAM-Y",
      period: { value: 1, type: "Year" },
      resources: [
        { key: "users", quantity: 25 },
        { key: "storage_gb", quantity: 100 },
      ],
    });
    expect(d?.instance.state).toBe("active");
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.updated"]);
  });

  it("changing back to an earlier plan is a new change", async () => {
    const { key, externalId } = await createSubscription();
    const original = createBody("x").plan;
    const bigger = plan({ value: 1, type: "Month" }, [{ key: "users", quantity: 50 }]);
    for (const p of [bigger, original]) expect((await call("subscription/change", { external_id: externalId, plan: p })).status).toBe(200);
    expect((await details(key))?.instance.plan).toMatchObject({ resources: [{ key: "users", quantity: 10 }] });
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.updated", "instance.updated"]);
  });

  it("concurrent identical changes apply once", async () => {
    const { key, externalId } = await createSubscription();
    const body = { external_id: externalId, plan: plan({ value: 1, type: "Month" }, [{ key: "users", quantity: 11 }]) };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call("subscription/change", body)));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect(await eventTypes(key)).toEqual(["instance.provisioned", "instance.updated"]);
  });

  it("unknown is 404, deleted is 409, a missing plan is 400", async () => {
    expectTaskError(await call("subscription/change", { external_id: "nope", plan: plan() }), 404, "unknown external_id nope");
    const { externalId } = await createSubscription();
    expectTaskError(await call("subscription/change", { external_id: externalId }), 400, "missing field: plan");
    expect((await call("subscription/delete", { external_id: externalId })).status).toBe(200);
    expectTaskError(await call("subscription/change", { external_id: externalId, plan: plan() }), 409, `subscription ${externalId} was deleted`);
  });
});
