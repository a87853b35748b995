/**
 * Personal-data stripping on its own: which field names go, at which depth, and what stays. The
 * field list is the one the marketplaces send personal data in (docs/koogallery.md §3 newInstance,
 * docs/activeplatform.md §A.6 reseller/tenant, §A.8 user create).
 */
import { describe, expect, it } from "vitest";
import { isPersonalField, withoutPersonalData } from "../../src/lifecycle/personal-data";

const STRIPPED = [
  // KooGallery
  "mobilePhone",
  "email",
  "customerName",
  "userName",
  "password",
  "customerId",
  "userId",
  "saasExtendParams",
  // ActivePlatform contact, owner, reseller and user bodies
  "phone",
  "fax",
  "first_name",
  "last_name",
  "firstname",
  "surname",
  "company_phone",
  "company_email",
  "first_address",
  "second_address",
  "address_line_1",
  "address_line_2",
  "zip",
  "city",
  // whole objects that hold nothing but a person
  "contact",
  "owner",
];

const KEPT = [
  "activity",
  "orderId",
  "instanceId",
  "businessId",
  "productId",
  "skuCode",
  "testFlag",
  "id",
  "external_id",
  "company_name",
  "country",
  "region",
  "state",
  "currency",
  "plan",
  "subscription",
  // near misses: only exact names (any case) are personal
  "emailVerified",
  "user_name",
  "phoneNumber",
  "passwordPolicy",
  "cityCode",
  "owners",
];

describe("isPersonalField", () => {
  it.each(STRIPPED)("%s is personal", (name) => {
    expect(isPersonalField(name)).toBe(true);
  });

  it.each(["EMAIL", "MobilePhone", "First_Name", "USERNAME", "Zip", "Contact"])("%s is personal in any case", (name) => {
    expect(isPersonalField(name)).toBe(true);
  });

  it.each(KEPT)("%s is not personal", (name) => {
    expect(isPersonalField(name)).toBe(false);
  });
});

describe("withoutPersonalData", () => {
  it.each(STRIPPED)("drops %s at the top level", (name) => {
    expect(withoutPersonalData({ [name]: "x", orderId: "O-1" })).toEqual({ orderId: "O-1" });
  });

  it("keeps an object without personal data as it is (control)", () => {
    const value = { activity: "newInstance", orderId: "O-1", amount: 12.5, trial: false, none: null, list: [1, "a"] };
    expect(withoutPersonalData(value)).toEqual({ activity: "newInstance", orderId: "O-1", amount: 12.5, trial: false, none: null, list: [1, "a"] });
  });

  const rows: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "KooGallery V1 newInstance parameters",
      {
        activity: "newInstance",
        customerId: "c-1",
        customerName: "demo_user",
        mobilePhone: "AbCd==",
        email: "EfGh==",
        userId: "u-1",
        userName: "iam-user",
        orderId: "O-1",
        productId: "P-1",
        testFlag: "1",
      },
      { activity: "newInstance", orderId: "O-1", productId: "P-1", testFlag: "1" },
    ],
    [
      "ActivePlatform tenant: contact and owner go whole, the company stays",
      {
        tenant: {
          id: 7,
          company_name: "ACME",
          type: "company",
          contact: { first_name: "Jane", last_name: "Roe", email: "jane@example.test", country: "DE" },
          owner: { first_name: "John", phone: "+4930123" },
        },
      },
      { tenant: { id: 7, company_name: "ACME", type: "company" } },
    ],
    [
      "ActivePlatform reseller: address and company contact go, ids and codes stay",
      {
        reseller: {
          id: 1001,
          name: "Reseller Ltd",
          company_name: "Reseller Ltd",
          first_address: "1 Main St",
          second_address: "Floor 2",
          city: "Berlin",
          region: "BE",
          zip: "10115",
          country: "DE",
          company_phone: "+4930000",
          company_email: "sales@reseller.test",
          currency: "EUR",
          attributes: { tier: "gold" },
        },
      },
      {
        reseller: { id: 1001, name: "Reseller Ltd", company_name: "Reseller Ltd", region: "BE", country: "DE", currency: "EUR", attributes: { tier: "gold" } },
      },
    ],
    [
      "ActivePlatform user create",
      { password: "secret", email: "john.doe@example.test", first_name: "John", last_name: "Doe", event: "user.create" },
      { event: "user.create" },
    ],
    [
      "objects inside arrays, at any depth",
      {
        users: [
          { id: 1, email: "a@x.test" },
          { id: 2, surname: "B", tags: [{ fax: "1", label: "vip" }] },
        ],
        codes: ["zip", "city"],
      },
      // Values are never inspected: the strings "zip" and "city" in an array are data, not names.
      { users: [{ id: 1 }, { id: 2, tags: [{ label: "vip" }] }], codes: ["zip", "city"] },
    ],
    ["arrays of arrays", { matrix: [[{ phone: "1", n: 1 }], [{ n: 2 }]] }, { matrix: [[{ n: 1 }], [{ n: 2 }]] }],
    ["a personal name wins over the shape of its value", { email: { primary: "a@x.test" }, phone: ["+1", "+2"], zip: 10115, city: null }, {}],
    ["mixed-case names", { Email: "a@x.test", MOBILEPHONE: "1", Owner: { id: 1 }, Keep: 1 }, { Keep: 1 }],
  ];

  it.each(rows)("%s", (_label, input, expected) => {
    expect(withoutPersonalData(input)).toEqual(expected);
  });

  it("does not modify its input", () => {
    const input = { email: "a@x.test", nested: { phone: "1", id: 2 }, list: [{ zip: "1" }] };
    withoutPersonalData(input);
    expect(input).toEqual({ email: "a@x.test", nested: { phone: "1", id: 2 }, list: [{ zip: "1" }] });
  });
});
