import { describe, expect, it } from "vitest";
import { classifyVendorResponse, VendorProvisionReply } from "../../../src/connectors/vendor-webhook/response";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe("classifyVendorResponse", () => {
  it("2xx with refs and appInfo: delivered, data carries them, the password stays out of the excerpt", () => {
    const body = JSON.stringify({
      refs: { "mor.subscriptionId": "231", "koodrive.carrierUserId": "189642158555241211", "koodrive.packageId": "14" },
      appInfo: { frontEndUrl: "https://app.example/", userName: "admin", password: "s3cr3t-pw", memo: "hi" },
      extra: true,
    });
    const out = classifyVendorResponse(200, body, null, NOW);
    expect(out).toMatchObject({
      kind: "delivered",
      status: 200,
      data: {
        refs: { "mor.subscriptionId": "231", "koodrive.carrierUserId": "189642158555241211", "koodrive.packageId": "14" },
        appInfo: { frontEndUrl: "https://app.example/", userName: "admin", password: "s3cr3t-pw", memo: "hi" },
      },
    });
    expect(out.excerpt).not.toContain("s3cr3t-pw");
    expect(out.excerpt).toContain("189642158555241211");
  });

  it("2xx with a deeply nested body is delivered, not an error retried until it dies", () => {
    const out = classifyVendorResponse(200, `{"ok":${"[".repeat(50_000)}${"]".repeat(50_000)}}`, null, NOW);
    expect(out.kind).toBe("delivered");
  });

  const deliveredWithoutData: Array<[string, number, string]> = [
    ["empty body", 204, ""],
    ["plain text", 200, "ok"],
    ["JSON array", 200, "[1,2]"],
    ["refs with a non-string value", 200, '{"refs":{"mor.subscriptionId":231}}'],
    ["appInfo not an object", 202, '{"appInfo":"x"}'],
  ];
  it.each(deliveredWithoutData)("2xx with %s: delivered, data undefined", (_label, status, body) => {
    const out = classifyVendorResponse(status, body, null, NOW);
    expect(out.kind).toBe("delivered");
    expect(out).not.toHaveProperty("data");
  });

  it("2xx with an empty JSON object: delivered with empty data", () => {
    expect(classifyVendorResponse(200, "{}", null, NOW)).toMatchObject({ kind: "delivered", data: {} });
  });

  const failures: Array<[number, string]> = [
    [500, "transient"],
    [502, "transient"],
    [503, "transient"],
    [429, "transient"],
    [408, "transient"],
    [400, "permanent"],
    [401, "permanent"],
    [404, "permanent"],
    [410, "permanent"],
    [301, "permanent"],
  ];
  it.each(failures)("HTTP %i is %s", (status, kind) => {
    const out = classifyVendorResponse(status, "<h1>nope</h1>", null, NOW);
    expect(out.kind).toBe(kind);
    expect(out.status).toBe(status);
    expect(out.excerpt).toBe("<h1>nope</h1>");
    expect(out).not.toHaveProperty("data");
  });

  it("passes Retry-After (seconds or HTTP-date) on a transient answer", () => {
    expect(classifyVendorResponse(429, "", "120", NOW)).toMatchObject({ kind: "transient", retryAfterS: 120 });
    expect(classifyVendorResponse(503, "", new Date(NOW + 90_000).toUTCString(), NOW)).toMatchObject({
      kind: "transient",
      retryAfterS: 90,
    });
    expect(classifyVendorResponse(503, "", "garbage", NOW)).not.toHaveProperty("retryAfterS");
  });
});

describe("VendorProvisionReply", () => {
  it("accepts a partial reply and rejects wrongly typed fields", () => {
    expect(VendorProvisionReply.safeParse({ appInfo: { frontEndUrl: "https://x" } }).success).toBe(true);
    expect(VendorProvisionReply.safeParse({ appInfo: { password: 1 } }).success).toBe(false);
  });
});
