/**
 * Counts what one lifecycle event costs in billable Cloudflare operations, so that a change that
 * adds a write shows up here. The figures are recorded in BENCHMARKS.md.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import type { InstanceObject } from "../../src/instance/instance-object";
import type { IndexObject } from "../../src/projection/index-object";
import { inboundFlushed } from "../../src/projection/inbound";
import { details } from "../support/instances";
import { expectSigned, newInstanceV1, send, v1, v1Url, v2 } from "../support/koogallery";
import { stubFor } from "../support/outbox";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
  partners.provisionReply = { refs: { "mor.subscriptionId": "77", "koodrive.carrierUserId": "1", "koodrive.packageId": "14" } };
});
afterEach(() => vi.restoreAllMocks());

/** Rows inserted, updated or deleted in the instance's SQLite database so far (SQLite's own counter). */
async function rowChanges(key: string): Promise<number> {
  return runInDurableObject(stubFor(key), (_i: InstanceObject, state) => Number(state.storage.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n));
}

/** The same counter in the operations index (a projection, written after the instance commits). */
async function indexRowChanges(): Promise<number> {
  return runInDurableObject(env.OPERATIONS_INDEX.getByName("index"), (_i: IndexObject, state) =>
    Number(state.storage.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n),
  );
}

/** Waits until the index holds the instance's deliveries as the instance has them, and counted calls are flushed. */
async function indexCaughtUp(key: string): Promise<void> {
  const truth = (await details(key))!.deliveries;
  await eventually(async () => {
    const indexed = await runInDurableObject(env.OPERATIONS_INDEX.getByName("index"), (_i: IndexObject, state) =>
      state.storage.sql.exec<{ delivery_id: string; status: string }>("SELECT delivery_id, status FROM deliveries WHERE instance_key = ?", key).toArray(),
    );
    return truth.every((d) => indexed.some((r) => r.delivery_id === d.deliveryId && r.status === d.status));
  });
  await inboundFlushed();
}

async function settled(key: string, count: number) {
  return eventually(async () => {
    const d = await details(key);
    return d && d.deliveries.length >= count && d.deliveries.every((x) => x.status !== "pending") ? d : null;
  });
}

describe("billable operations per lifecycle event", () => {
  it("an expiry with three connectors: 1 + 3 table rows at apply, two row updates per delivery (claim, report)", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settled(key, 1);
    const before = await rowChanges(key);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    const afterApply = await rowChanges(key);
    await settled(key, 4);
    const afterDelivery = await rowChanges(key);
    // instance row + event row + 3 outbox rows; the alarm set for the provisioning is still due earlier.
    expect(afterApply - before).toBe(5);
    // per delivery: the attempt's claim (so no second copy is attempted at once) and its report.
    expect(afterDelivery - afterApply).toBe(6);
    console.log(JSON.stringify({ event: "instance.expired", rowsAtApply: afterApply - before, rowsAtDelivery: afterDelivery - afterApply }));
  });

  it("the operations index: 1 + 3 rows at apply, 3 per delivery outcome (row, minute figure, connector's last), 1 per counted call", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settled(key, 1);
    await indexCaughtUp(key);
    const before = await indexRowChanges();
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    await settled(key, 4);
    await indexCaughtUp(key);
    const rows = (await indexRowChanges()) - before;
    // apply: instance row + 3 delivery rows; each delivered attempt: delivery row + minute counter +
    // connector's last success; the call: one minute counter (shared by all calls of that second).
    expect(rows).toBe(4 + 3 * 3 + 1);
    console.log(JSON.stringify({ event: "instance.expired", indexRows: rows }));
  });

  it("a duplicate writes only the instance's newer marketplace time; a V2 call adds one nonce row", async () => {
    const { instanceId, orderId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    await settled(key, 1);
    expectSigned(await v1({ activity: "expireInstance", instanceId, orderId }), "000000");
    await settled(key, 4);
    const before = await rowChanges(key);
    const again = v1Url({ activity: "expireInstance", instanceId, orderId });
    // A repeat confirms the state as of its (later) time: the instance row records that time,
    // so an older status call arriving after it cannot undo it (lifecycle/call-order).
    expectSigned(await send(again), "000000");
    expect(await rowChanges(key)).toBe(before + 1);
    // The very same call once more: nothing to record.
    expectSigned(await send(again), "000000");
    expect(await rowChanges(key)).toBe(before + 1);
    expectSigned(await v2({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }), "000000");
    expect(await rowChanges(key)).toBe(before + 3);
  });
});
