/**
 * What ActivePlatform actually sends: the Subscription Renew page's event example, literally
 * (docs/activeplatform.md §A.8), and its variations: an integer subscription.id, a lowercase
 * period type, trial/endless flags, resources without a GUID, empty strings, nulls for optional
 * text, top-level `attributes`, a distributor on renew, and the tenant contact's e-mail.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, createBody, createSubscription, details, expectTaskError, plusMonthsUtc, unique } from "../../support/activeplatform";

const NO_EXPIRY = "Subscription must have an expiration date to be eligible for renew.";

/** The page's event example, byte for byte apart from external_id (ours) and subscription.id. */
function seedRenew(externalId: string, subscriptionId = 3002619) {
  return {
    external_id: externalId,
    distributor: { id: 211, name: "Dev Acc", region: "Region", currency: "USD", attributes: { certificate_password: "[FILTERED]" } },
    reseller: {
      id: 2,
      name: "Root",
      company_name: "Dev acc",
      first_address: "Street building",
      second_address: "",
      city: "City",
      region: "Region",
      zip: "220000",
      country: "US",
      company_phone: "+123555456",
      company_email: "email@example.com",
      currency: "USD",
      attributes: { reseller_public_id: "********" },
      core_attributes: { kaspersky_reseller_pin: "********" },
    },
    tenant: {
      id: 199,
      company_name: "John GS",
      type: "Business",
      contact: {
        first_name: "John",
        last_name: "GS",
        zip: "220000",
        city: "Quinsk",
        state: "Quinsk",
        country: "AQ",
        phone: "+123 55 1111111",
        email: "test@example.com",
        fax: "+123 55 1111111",
        address_line_1: "Quinsk",
        address_line_2: "",
      },
      owner: { first_name: "John", last_name: "GS", phone: "+123 55 1111111" },
    },
    plan: {
      name: "Cloud User 50-99 WKS/FS",
      description: "",
      resources: [{ key: "quantity", quantity: 50 }],
      period: { value: 1, type: "month", trial: false, endless: false },
      attributes: {},
      sku: "KLMN1234OMG",
    },
    subscription: { id: subscriptionId, attributes: {} },
    attributes: {},
  };
}

type Period = { value?: number; type?: string; trial?: boolean; endless?: boolean };

/** A create body carrying the seed's plan, with the period given. */
function createWith(subscriptionId: number, period: Period) {
  const { plan } = seedRenew("unused");
  return createBody(String(subscriptionId), { plan: { ...plan, period }, subscription: { id: subscriptionId, attributes: {} } });
}

async function create(period: Period = { value: 1, type: "month", trial: false, endless: false }) {
  const subscriptionId = 3002619;
  return createSubscription({ apGuid: unique("seed-"), subscriptionId: String(subscriptionId), body: createWith(subscriptionId, period) });
}

describe("Subscription Renew page example", () => {
  it("renews as printed: expiry + 1 month from the current expiry", async () => {
    const { key, externalId, apGuid } = await create();
    const expiresAt = (await details(key))!.instance.expiresAt!;
    const answer = await call("subscription/renew", seedRenew(externalId), { apGuid });
    expect(answer.status, answer.text).toBe(200);
    const d = await details(key);
    expect(d?.instance.expiresAt).toBe(plusMonthsUtc(expiresAt, 1));
    expect(d?.events.map((e) => e.type)).toEqual(["instance.renewed", "instance.provisioned"]);
  });

  it("plan.period.endless: true is 422 with the page's message, and nothing changes", async () => {
    const { key, externalId, apGuid } = await create();
    const before = (await details(key))!.instance;
    const body = seedRenew(externalId);
    body.plan.period.endless = true;
    expectTaskError(await call("subscription/renew", body, { apGuid }), 422, NO_EXPIRY);
    const after = (await details(key))!.instance;
    expect(after.expiresAt).toBe(before.expiresAt);
    expect(after.version).toBe(before.version);
  });
});

describe("subscription/create with the page's period flags", () => {
  it("an endless period has no expiry, even with a value and a type; a later renew is 422", async () => {
    const { key, externalId, apGuid } = await create({ value: 1, type: "month", trial: false, endless: true });
    expect((await details(key))?.instance.expiresAt).toBeNull();
    expectTaskError(await call("subscription/renew", seedRenew(externalId), { apGuid }), 422, NO_EXPIRY);
  });

  it("an endless period needs no value", async () => {
    const { key } = await create({ type: "month", endless: true });
    expect((await details(key))?.instance.expiresAt).toBeNull();
  });

  it("trial is kept in the instance's plan", async () => {
    const { key } = await create({ value: 14, type: "day", trial: true, endless: false });
    const d = await details(key);
    expect(d?.instance.plan.period).toMatchObject({ value: 14, type: "day", trial: true, endless: false });
    expect(d?.instance.expiresAt).not.toBeNull();
  });
});

describe("null for optional text", () => {
  it("is accepted in the plan, its resources, the subscription and the parties", async () => {
    const subscriptionId = unique("S");
    const body = createBody(subscriptionId, {
      distributor: null,
      plan: {
        name: null,
        description: null,
        sku: null,
        resources: [{ resource: null, key: "users", quantity: 5 }],
        period: { value: 1, type: "Month", trial: null, endless: null },
      },
      subscription: { id: subscriptionId, attributes: null },
    });
    const { key, externalId } = await createSubscription({ subscriptionId, body });
    const d = await details(key);
    expect(d?.instance.plan.name).toBeNull();
    expect(d?.instance.expiresAt).not.toBeNull();
    const renew = await call("subscription/renew", {
      external_id: externalId,
      reseller: null,
      tenant: null,
      plan: { name: null, description: null, period: { value: 1, type: "Month" } },
    });
    expect(renew.status, renew.text).toBe(200);
  });

  it("is accepted in user names and the password", async () => {
    const email = `${unique("u")}@example.test`;
    const created = await call("user/create", { email, password: null, first_name: null, last_name: null });
    expect(created.status, created.text).toBe(201);
    const updated = await call("user/update", { id: created.body.id, first_name: "Jane", last_name: null });
    expect(updated.status, updated.text).toBe(200);
  });
});

describe("deeply nested bodies", () => {
  afterEach(() => vi.restoreAllMocks());

  it("are 400 in ActivePlatform's dialect, with no error logged and nothing written", async () => {
    const errors = vi.spyOn(console, "error");
    const subscriptionId = unique("S");
    const deep = `${"[".repeat(30_000)}1${"]".repeat(30_000)}`;
    const rawBody = JSON.stringify(createBody(subscriptionId)).replace('"attributes":{}', `"attributes":{"deep":${deep}}`);
    const answer = await call("subscription/create", null, { rawBody });
    expectTaskError(answer, 400, /nested/);
    expect(errors).not.toHaveBeenCalled();
  });
});
