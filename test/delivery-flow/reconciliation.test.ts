/**
 * The reconciliation sweep against a MOR mock whose subscriptions are edited behind the gateway's
 * back: exactly the edited ones are listed as drift, announced once, and, with RECONCILE_REPAIR,
 * re-sent through the outbox until MOR agrees again (instance.drift_repaired). The cron's
 * scheduled handler runs the same sweep.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { adminRequest } from "../admin/support";
import { resetGates } from "../support/gates";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, unique, v1 } from "../support/koogallery";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(async () => {
  partners = installPartners();
  await resetGates();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetGates();
});

let nextSub = Math.floor(Date.now() / 1000) % 1_000_000;

/** A provisioned instance whose MOR subscription the gateway has told something: renewed, expired or released. */
async function instanceToldMor(last: "renewed" | "expired" | "released") {
  const subscriptionId = String(++nextSub);
  partners.provisionReply = { refs: { "mor.subscriptionId": subscriptionId, "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
  const { instanceId, orderId } = await newInstanceV1();
  const key = `koogallery:${instanceId}`;
  await eventually(async () => (await details(key))?.instance.refs["mor.subscriptionId"] === subscriptionId);
  if (last === "renewed") expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20300101000000" }), "000000");
  if (last === "expired") expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
  if (last === "released") expectSigned(await v1({ activity: "releaseInstance", instanceId, orderId }), "000000");
  await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered" || d.status === "skipped"));
  return { key, subscriptionId };
}

type Summary = {
  checked: number;
  inAgreement: number;
  drifted: number;
  repaired: number;
  resolved: number;
  errors: number;
  done: boolean;
  cursor: string | null;
};

/** Whole walks: runs until the cursor goes round, so every instance is visited once. */
async function sweep(repair: boolean): Promise<Summary[]> {
  const runs: Summary[] = [];
  for (let i = 0; i < 20; i++) {
    const response = await worker.fetch(
      adminRequest("/reconcile", { method: "POST", body: { limit: 500 } }) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, RECONCILE_REPAIR: String(repair) },
      createExecutionContext(),
    );
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Summary;
    runs.push(summary);
    if (summary.done) return runs;
  }
  throw new Error("sweep did not go round");
}

async function drift(): Promise<
  Array<{ instanceKey: string; connector: string; partnerValue: string; instanceValue: string; since: string; repaired: boolean }>
> {
  const response = await worker.fetch(
    adminRequest("/drift?connector=mor&limit=200") as Request<unknown, IncomingRequestCfProperties>,
    env,
    createExecutionContext(),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: never[] }).items;
}

const driftEvents = (type: string, key: string) => partners.opsEvents().filter((e) => e.type === type && e.data.instanceKey === key);

describe("reconciliation sweep", () => {
  it("lists exactly the edited subscriptions, announces each once, and leaves them alone with repair off", async () => {
    const renewed = await instanceToldMor("renewed");
    const expired = await instanceToldMor("expired");
    const released = await instanceToldMor("released");
    const untouched = await instanceToldMor("renewed");
    partners.editMor(renewed.subscriptionId, { tillS: Date.UTC(2031, 0, 1) / 1000 });
    partners.editMor(expired.subscriptionId, { tillS: null });
    partners.editMor(released.subscriptionId, { tillS: Date.UTC(2030, 0, 1) / 1000 });

    const runs = await sweep(false);
    expect(runs.reduce((n, r) => n + r.errors, 0)).toBe(0);
    expect(runs.reduce((n, r) => n + r.repaired, 0)).toBe(0);
    const mine = new Set([renewed.key, expired.key, released.key, untouched.key]);
    const listed = (await eventually(async () => {
      const items = (await drift()).filter((d) => mine.has(d.instanceKey));
      return items.length === 3 ? items : null;
    }))!;
    expect(new Set(listed.map((d) => d.instanceKey))).toEqual(new Set([renewed.key, expired.key, released.key]));
    expect(listed.find((d) => d.instanceKey === renewed.key)).toMatchObject({
      connector: "mor",
      partnerValue: "end 2031-01-01T00:00:00.000Z",
      instanceValue: "end 2030-01-01T00:00:00.000Z",
      repaired: false,
    });
    expect(listed.find((d) => d.instanceKey === expired.key)).toMatchObject({ partnerValue: "until canceled", instanceValue: expect.stringMatching(/^end /) });
    expect(listed.find((d) => d.instanceKey === released.key)).toMatchObject({ partnerValue: "end 2030-01-01T00:00:00.000Z", instanceValue: "gone" });
    // Recorded on the instance too (the admin instance view shows it).
    const renewedDetails = await worker.fetch(
      adminRequest(`/instances/${encodeURIComponent(renewed.key)}`) as Request<unknown, IncomingRequestCfProperties>,
      env,
      createExecutionContext(),
    );
    expect(((await renewedDetails.json()) as { drift: unknown[] }).drift).toEqual([expect.objectContaining({ connector: "mor", repaired: false })]);

    const detected = await eventually(async () => driftEvents("instance.drift_detected", renewed.key)[0]);
    expect(detected.data).toMatchObject({
      connector: "mor",
      instanceKey: renewed.key,
      partnerValue: "end 2031-01-01T00:00:00.000Z",
      instanceValue: "end 2030-01-01T00:00:00.000Z",
    });

    // A second walk finds the same drift: nothing new is announced, nothing is sent to MOR.
    const morCalls = partners.of("mor").filter((r) => !r.path.endsWith("subscriptions_get")).length;
    await sweep(false);
    expect(partners.of("mor").filter((r) => !r.path.endsWith("subscriptions_get")).length).toBe(morCalls);
    expect(partners.morSubscriptions.get(renewed.subscriptionId)?.tillS).toBe(Date.UTC(2031, 0, 1) / 1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(driftEvents("instance.drift_detected", renewed.key)).toHaveLength(1);
  });

  it("with RECONCILE_REPAIR the current state is re-sent through the outbox; the next sweep finds agreement and announces drift_repaired", async () => {
    const renewed = await instanceToldMor("renewed");
    const released = await instanceToldMor("released");
    partners.editMor(renewed.subscriptionId, { tillS: Date.UTC(2026, 5, 1) / 1000 });
    partners.editMor(released.subscriptionId, { tillS: null });

    const first = await sweep(true);
    expect(first.reduce((n, r) => n + r.repaired, 0)).toBeGreaterThanOrEqual(2);
    // The repair is a new delivery of the latest MOR-bound event, through the normal outbox.
    await eventually(async () => partners.morSubscriptions.get(renewed.subscriptionId)?.tillS === Date.UTC(2030, 0, 1) / 1000);
    await eventually(async () => !partners.morSubscriptions.has(released.subscriptionId));
    const renewedDeliveries = (await details(renewed.key))!.deliveries.filter((d) => d.connector === "mor");
    expect(renewedDeliveries.length).toBe(2);
    await eventually(async () => (await details(renewed.key))!.deliveries.every((d) => d.status === "delivered" || d.status === "skipped"));
    await eventually(async () => (await details(released.key))!.deliveries.every((d) => d.status === "delivered" || d.status === "skipped"));

    const second = await sweep(true);
    expect(second.reduce((n, r) => n + r.resolved, 0)).toBeGreaterThanOrEqual(2);
    await eventually(async () => (await drift()).every((d) => d.instanceKey !== renewed.key && d.instanceKey !== released.key));
    const repaired = await eventually(async () => driftEvents("instance.drift_repaired", renewed.key)[0]);
    expect(repaired.data).toMatchObject({ connector: "mor", instanceKey: renewed.key, repairedBy: "resend", partnerValue: "end 2030-01-01T00:00:00.000Z" });
    await eventually(async () => driftEvents("instance.drift_repaired", released.key)[0]);
  });

  it("a MOR delivery that settles while the sweep is under way is not taken for drift: the listing predates it", async () => {
    const { key, subscriptionId } = await instanceToldMor("renewed");
    const instanceId = key.slice("koogallery:".length);
    const newEndS = Date.UTC(2031, 0, 1) / 1000;
    // MOR is listed (end 2030), then, before the sweep reads the instance, a renewal reaches MOR
    // and its delivery settles: the instance now expects 2031, the listing still shows 2030.
    const handle = partners.handle.bind(partners);
    let raced = false;
    partners.handle = async (request: Request) => {
      if (raced || !new URL(request.url).pathname.endsWith("subscriptions_get")) return handle(request);
      raced = true;
      const listing = await handle(request);
      expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20310101000000" }), "000000");
      await eventually(async () => partners.morSubscriptions.get(subscriptionId)?.tillS === newEndS);
      await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered" || d.status === "skipped"));
      return listing;
    };

    await sweep(true);
    expect(raced).toBe(true);
    const after = (await details(key))!;
    expect(after.drift).toEqual([]);
    // No repair was queued: the renewal's own delivery is the last MOR delivery.
    expect(after.deliveries.filter((d) => d.connector === "mor")).toHaveLength(2);
    expect(driftEvents("instance.drift_detected", key)).toEqual([]);
    // The next walk lists MOR after the renewal and finds agreement.
    partners.handle = handle;
    await sweep(true);
    expect((await details(key))!.drift).toEqual([]);
  });

  it("the Cron Trigger's scheduled handler runs the same sweep", async () => {
    const renewed = await instanceToldMor("renewed");
    partners.editMor(renewed.subscriptionId, { gone: true });
    for (let i = 0; i < 20; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "0 * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
      if ((await drift()).some((d) => d.instanceKey === renewed.key)) break;
    }
    expect((await drift()).find((d) => d.instanceKey === renewed.key)).toMatchObject({ partnerValue: "absent", instanceValue: "end 2030-01-01T00:00:00.000Z" });
    // Announced like an admin-run sweep's drift (and delivered before the mock partners go away).
    await eventually(async () => driftEvents("instance.drift_detected", renewed.key)[0]);
  });
});
