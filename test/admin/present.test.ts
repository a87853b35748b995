import { describe, expect, it } from "vitest";
import { maskSecretsInText, presentDelivery, visibleObject } from "../../src/admin/present";
import { maskPersonalDataInText, withoutPersonalData } from "../../src/lifecycle/personal-data";

/** Shaped like an ActivePlatform subscription payload: personal data nested at several depths. */
const PAYLOAD = {
  subscription_id: "sub-1",
  plan: { sku: "pro", seats: 5 },
  tenant: {
    name: "ACME GmbH",
    contact: { first_name: "Ada", email: "ada@example.com", phone: "+49 30 1234" },
    users: [{ email: "u1@example.com", role: "admin" }],
  },
  owner: { last_name: "Lovelace" },
  credentials: { apiKey: "ak-123", password: "pw-1", login: "ada" },
  accessToken: "at-1",
  emptyPassword: "",
};

describe("visibleObject", () => {
  it("drops personal fields at any depth and masks credentials when personal data is withheld", () => {
    expect(visibleObject(PAYLOAD, false)).toEqual({
      subscription_id: "sub-1",
      plan: { sku: "pro", seats: 5 },
      tenant: { name: "ACME GmbH", users: [{ role: "admin" }] },
      credentials: "********",
      accessToken: "********",
      emptyPassword: "",
    });
  });

  it("keeps personal fields but still masks credentials when personal data is forwarded", () => {
    const shown = visibleObject(PAYLOAD, true);
    expect(shown.tenant).toEqual(PAYLOAD.tenant);
    expect(shown.owner).toEqual(PAYLOAD.owner);
    expect(shown.credentials).toBe("********");
    expect(JSON.stringify(shown)).not.toMatch(/ak-123|pw-1|at-1/);
  });

  it("masks app info passwords whatever their case, and keeps the key so an operator sees one is set", () => {
    expect(visibleObject({ Password: "x", frontEndUrl: "https://a.test/" }, false)).toEqual({ Password: "********", frontEndUrl: "https://a.test/" });
  });
});

describe("maskSecretsInText", () => {
  it.each([
    ['{"accessToken":"abc.def","code":"0"}', '{"accessToken":"********","code":"0"}'],
    ['{"refresh_token": "r-1", "expires_in": 3600}', '{"refresh_token": "********", "expires_in": 3600}'],
    ['{"msg":"bad \\"password\\"","password":"p\\"w"}', '{"msg":"bad \\"password\\"","password":"********"}'],
    ["u=admin&hash=ab12&api_key=k-9&token=t1", "u=admin&hash=********&api_key=********&token=********"],
    ["Authorization: Bearer eyJhbGciOi.x.y failed", "Authorization: Bearer ******** failed"],
    ['{"resultCode":"000000","truncated…', '{"resultCode":"000000","truncated…'],
  ])("%s", (input, expected) => {
    expect(maskSecretsInText(input)).toBe(expected);
  });
});

describe("presentDelivery", () => {
  it("renders the lease as an ISO instant and masks the reason and every excerpt", () => {
    const shown = presentDelivery(
      {
        deliveryId: "dlv_1",
        eventSeq: 1,
        connector: "koodrive",
        status: "dead",
        reason: 'login failed: {"accessToken":"t"}',
        attempts: 1,
        attemptLog: [{ n: 1, at: "2026-01-01T00:00:00.000Z", outcome: "permanent", status: 401, excerpt: '{"refreshToken":"r"}', durationMs: 5 }],
        leaseUntil: Date.UTC(2026, 0, 1, 0, 15),
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
      },
      false,
    );
    expect(shown.leaseUntil).toBe("2026-01-01T00:15:00.000Z");
    expect(shown.reason).toBe('login failed: {"accessToken":"********"}');
    expect(shown.attemptLog[0]?.excerpt).toBe('{"refreshToken":"********"}');
  });

  it("withholds personal values in partner excerpts unless FORWARD_PERSONAL_DATA, and never shows secrets", () => {
    const delivery = {
      deliveryId: "dlv_2",
      eventSeq: 1,
      connector: "vendor",
      status: "delivered" as const,
      reason: null,
      attempts: 1,
      attemptLog: [
        {
          n: 1,
          at: "2026-01-01T00:00:00.000Z",
          outcome: "delivered",
          status: 200,
          excerpt: '{"appInfo":{"frontEndUrl":"https://t.test/","userName":"jane.buyer","password":"[redacted]"}}',
          durationMs: 5,
        },
      ],
      leaseUntil: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    expect(presentDelivery(delivery, false).attemptLog[0]?.excerpt).toBe(
      '{"appInfo":{"frontEndUrl":"https://t.test/","userName":"[withheld]","password":"********"}}',
    );
    expect(presentDelivery(delivery, true).attemptLog[0]?.excerpt).toBe(
      '{"appInfo":{"frontEndUrl":"https://t.test/","userName":"jane.buyer","password":"********"}}',
    );
  });
});

describe("maskPersonalDataInText", () => {
  it.each([
    ['{"userName":"jane","code":0}', '{"userName":"[withheld]","code":0}'],
    ['{"customerId": 4711, "orderId": "CS1"}', '{"customerId": "[withheld]", "orderId": "CS1"}'],
    ['{"contact":{"email":"a@b.test","country":"US"}}', '{"contact":{"email":"[withheld]","country":"US"}}'],
    ['{"code":"0","userName":"jane.bu…', '{"code":"0","userName":"[withheld]"'],
    ["customerName=Jane&orderId=CS1", "customerName=[withheld]&orderId=CS1"],
    ['{"msg":"userName is wrong"}', '{"msg":"userName is wrong"}'],
  ])("%s", (input, expected) => {
    expect(maskPersonalDataInText(input)).toBe(expected);
  });
});

describe("walks over stored data", () => {
  it("stop at the nesting bound instead of overflowing the stack", () => {
    let deep: Record<string, unknown> = { email: "x@y.test" };
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const stored = { sku: "pro", deep };
    expect(visibleObject(stored, false).sku).toBe("pro");
    expect(withoutPersonalData(stored).sku).toBe("pro");
    expect(JSON.stringify(withoutPersonalData(stored))).not.toContain("x@y.test");
  });
});
