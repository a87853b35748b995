/**
 * subscription/resource_validation: 200 allows, 422 with a reason denies, and the call is a
 * pure read (the instance's version and events never move).
 */
import { describe, expect, it } from "vitest";
import { call, createBody, createSubscription, details, expectTaskError, plan, unique } from "../../support/activeplatform";

async function planned() {
  const subscriptionId = unique("S");
  const body = createBody(subscriptionId, {
    plan: plan({ value: 1, type: "Month" }, [
      { key: "users", quantity: 10 },
      { key: "storage_gb", quantity: 50 },
    ]),
  });
  return createSubscription({ subscriptionId, body });
}

const validate = (externalId: string, resources: unknown[]) =>
  call("subscription/resource_validation", { external_id: externalId, reseller: { id: 1001 }, plan: { resources } });

describe("subscription/resource_validation", () => {
  it("allows known keys with whole, non-negative quantities (zero included), and writes nothing", async () => {
    const { key, externalId } = await planned();
    const answer = await validate(externalId, [
      { key: "users", quantity: 12 },
      { key: "storage_gb", quantity: 0, resource: "res-guid-1" },
    ]);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({});
    expect((await validate(externalId, [])).status).toBe(200);
    const d = await details(key);
    expect(d?.instance.version).toBe(1);
    expect(d?.events).toHaveLength(1);
  });

  it("denies a resource key the plan does not have", async () => {
    const { externalId } = await planned();
    expectTaskError(
      await validate(externalId, [
        { key: "users", quantity: 1 },
        { key: "gpus", quantity: 1 },
      ]),
      422,
      'plan.resources[1] (gpus): the plan has no resource "gpus"',
    );
  });

  it("denies negative, missing, null and fractional quantities", async () => {
    const { key, externalId } = await planned();
    expectTaskError(await validate(externalId, [{ key: "users", quantity: -1 }]), 422, "plan.resources[0] (users): quantity must not be negative");
    expectTaskError(await validate(externalId, [{ key: "users" }]), 422, "plan.resources[0] (users): quantity is missing");
    expectTaskError(await validate(externalId, [{ key: "users", quantity: null }]), 422, "plan.resources[0] (users): quantity is missing");
    expectTaskError(await validate(externalId, [{ key: "users", quantity: 1.5 }]), 422, "plan.resources[0] (users): quantity must be a whole number");
    expect((await details(key))?.instance.version).toBe(1);
  });

  it("an unknown subscription is 404 like on every other route; a deleted one is denied", async () => {
    expectTaskError(await validate("never-created", [{ key: "users", quantity: 1 }]), 404, "unknown external_id never-created");
    const { externalId } = await planned();
    expect((await call("subscription/delete", { external_id: externalId })).status).toBe(200);
    expectTaskError(await validate(externalId, [{ key: "users", quantity: 1 }]), 422, `subscription ${externalId} was deleted`);
  });

  it("a malformed request is 400, not a deny", async () => {
    const { externalId } = await planned();
    expectTaskError(
      await validate(externalId, [{ key: "users", quantity: "5" }]),
      400,
      "invalid field plan.resources.0.quantity: Invalid input: expected number, received string",
    );
    expectTaskError(await validate(externalId, [{ quantity: 5 }]), 400, "missing field: plan.resources.0.key");
    expectTaskError(await call("subscription/resource_validation", { external_id: externalId }), 400, "missing field: plan");
    expectTaskError(await call("subscription/resource_validation", { plan: { resources: [] } }), 400, "missing field: external_id");
  });
});
