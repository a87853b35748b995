import { describe, expect, it } from "vitest";
import { fromRedirect } from "../../src/connectors/outcome-from-http";
import { classifyHttpStatus, excerpt, excerptRedacted, parseRetryAfter } from "../../src/delivery/outcome";

describe("excerpt", () => {
  it("makes text single-line", () => {
    expect(excerpt("  <page>\n  <status>\r\n\tok</status>\n</page> ")).toBe("<page> <status> ok</status> </page>");
  });
  it("caps the length, ellipsis included", () => {
    const long = "x".repeat(1000);
    expect(excerpt(long)).toHaveLength(300);
    expect(excerpt(long).endsWith("…")).toBe(true);
    expect(excerpt("abcdef", 4)).toBe("abc…");
    expect(excerpt("abcd", 4)).toBe("abcd");
  });
});

describe("excerptRedacted", () => {
  it("hides tokens and passwords at any depth in JSON", () => {
    const body = JSON.stringify({
      code: 0,
      data: { sessionInfo: { accessToken: "AT secret-1", refreshToken: "rt-secret-2", expiresIn: 1800 } },
      appInfo: { password: "pw-secret-3", userName: "admin" },
    });
    const out = excerptRedacted(body, 1000);
    for (const secret of ["secret-1", "secret-2", "secret-3"]) expect(out).not.toContain(secret);
    expect(out).toContain('"userName":"admin"');
    expect(out).toContain('"expiresIn":1800');
  });
  it("leaves non-JSON alone", () => {
    expect(excerptRedacted("<error>Incorrect hash</error>")).toBe("<error>Incorrect hash</error>");
  });
  it("copes with a partner answer nested deeper than any stack: redacted below the bound, never thrown", () => {
    const deep = `{"code":0,"deep":${"[".repeat(50_000)}{"password":"pw-deep"}${"]".repeat(50_000)}}`;
    const out = excerptRedacted(deep, 1000);
    expect(out).toContain('"code":0');
    expect(out).not.toContain("pw-deep");
  });
});

describe("classifyHttpStatus", () => {
  const rows: Array<[number, string]> = [
    [200, "ok"],
    [201, "ok"],
    [204, "ok"],
    [299, "ok"],
    [100, "permanent"],
    [301, "permanent"],
    [304, "permanent"],
    [400, "permanent"],
    [401, "permanent"],
    [403, "permanent"],
    [404, "permanent"],
    [410, "permanent"],
    [422, "permanent"],
    [408, "transient"],
    [425, "transient"],
    [429, "transient"],
    [500, "transient"],
    [502, "transient"],
    [503, "transient"],
    [504, "transient"],
    [599, "transient"],
  ];
  it.each(rows)("%i -> %s", (status, expected) => {
    expect(classifyHttpStatus(status)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2015, 9, 21, 7, 27, 0); // Wed, 21 Oct 2015 07:27:00 GMT
  const rows: Array<[string | null, number | undefined]> = [
    ["120", 120],
    [" 7 ", 7],
    ["0", 0],
    ["Wed, 21 Oct 2015 07:28:00 GMT", 60],
    ["Wed, 21 Oct 2015 07:27:00 GMT", 0],
    ["Wed, 21 Oct 2015 07:00:00 GMT", 0],
    [null, undefined],
    ["", undefined],
    ["soon", undefined],
    ["-5", undefined],
    ["1.5", undefined],
  ];
  it.each(rows)("%j -> %j", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe("fromRedirect", () => {
  const response = (status: number, location: string | null) => ({ kind: "response" as const, status, text: "", retryAfter: null, location, durationMs: 1 });

  it("is permanent, naming the status, the location and the setting to check", () => {
    expect(fromRedirect("MOR", "MOR_BASE_URL", response(301, "https://billing.example/billing/api/subscription_update"))).toEqual({
      kind: "permanent",
      status: 301,
      excerpt: "Location: https://billing.example/billing/api/subscription_update",
      reason: "MOR answered HTTP 301 (Location: https://billing.example/billing/api/subscription_update); redirects are never followed: check MOR_BASE_URL",
    });
  });

  it("says so when there is no Location, and keeps a long one short", () => {
    expect(fromRedirect("vendor endpoint", "VENDOR_WEBHOOK_URL", response(300, null))).toMatchObject({
      kind: "permanent",
      reason: expect.stringContaining("no Location header"),
    });
    const long = fromRedirect("KooDrive", "KOODRIVE_BASE_URL", response(302, `https://x.example/${"a".repeat(5000)}`));
    expect(long.kind === "permanent" && long.reason.length).toBeLessThan(400);
  });
});
