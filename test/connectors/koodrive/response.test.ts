import { describe, expect, it } from "vitest";
import { classifyKooDriveResponse, parseSession } from "../../../src/connectors/koodrive/response";
import { parseJsonKeepingLongIntegers } from "../../../src/connectors/koodrive/json";

describe("classifyKooDriveResponse", () => {
  const rows: Array<[string, number, string, string]> = [
    ["documented success, numeric code", 200, '{"code":0,"msg":"Success"}', "delivered"],
    ["string code", 200, '{"code":"0","msg":"成功"}', "delivered"],
    ["401", 401, '{"code":"401","msg":"Unauthorized"}', "auth"],
    ["401 without body", 401, "", "auth"],
    ["403 naming the token", 403, '{"code":"403","msg":"access token is invalid"}', "auth"],
    ["403 naming the session, not JSON", 403, "Session expired", "auth"],
    ["403 about the whitelist", 403, '{"code":"403","msg":"The app is not in the whitelist"}', "permanent"],
    ["403 about the white list, token mentioned too", 403, '{"code":"403","msg":"token valid but caller not on white list"}', "permanent"],
    ["403 without body", 403, "", "permanent"],
    // Words in msg or code never make an auth failure (docs/koodrive.md §B.7): these are business answers.
    ["200 'The package has expired'", 200, '{"code":"20017","msg":"The package has expired"}', "permanent"],
    ["200 code mentioning token", 200, '{"code":"TOKEN_INVALID","msg":"bad"}', "permanent"],
    ["200 msg mentioning expired", 200, '{"code":31001,"msg":"access token expired"}', "permanent"],
    ["200 msg mentioning auth", 200, '{"code":1,"msg":"Authentication failed"}', "permanent"],
    ["400 msg mentioning token", 400, '{"code":"1","msg":"token is invalid"}', "permanent"],
    ["429", 429, "", "transient"],
    ["500", 500, '{"code":"500","msg":"internal"}', "transient"],
    ["502 HTML", 502, "<html>bad gateway</html>", "transient"],
    ["503", 503, "", "transient"],
    ["504", 504, "", "transient"],
    ["200 not JSON", 200, "<html>maintenance</html>", "transient"],
    ["200 JSON without code", 200, '{"ok":true}', "transient"],
    ["201 with code 0 (not the documented 200)", 201, '{"code":0}', "transient"],
    ["200 business error", 200, '{"code":"10001","msg":"invalid parameter packageId"}', "permanent"],
    ["400", 400, '{"code":"400","msg":"Bad Request"}', "permanent"],
    ["404", 404, "not found", "permanent"],
    ["422 without envelope", 422, "", "permanent"],
  ];
  it.each(rows)("%s -> %s", (_label, status, text, kind) => {
    const out = classifyKooDriveResponse(status, text);
    expect(out.kind).toBe(kind);
    expect(out.status).toBe(status);
  });

  it("a business answer about an expired package keeps KooDrive's words in the reason", () => {
    expect(classifyKooDriveResponse(200, '{"code":"20017","msg":"The package has expired"}')).toMatchObject({
      kind: "permanent",
      reason: "KooDrive HTTP 200, code 20017: The package has expired",
    });
  });

  it("a 403 about the white list says it is configuration", () => {
    const out = classifyKooDriveResponse(403, '{"code":"403","msg":"The app is not in the whitelist"}');
    expect(out.kind === "permanent" && out.reason).toMatch(/white list.*configuration/);
    expect(out.kind === "permanent" && out.reason).toContain("The app is not in the whitelist");
  });

  it("keeps code and msg in the reason of a business failure", () => {
    const out = classifyKooDriveResponse(200, '{"code":"10001","msg":"invalid parameter packageId"}');
    expect(out).toMatchObject({ kind: "permanent", reason: "KooDrive HTTP 200, code 10001: invalid parameter packageId" });
  });

  it("returns data on success, long integers intact", () => {
    const out = classifyKooDriveResponse(200, '{"code":0,"msg":"ok","data":{"policyId":300000000000000001}}');
    expect(out).toMatchObject({ kind: "delivered", data: { policyId: "300000000000000001" } });
  });

  it("passes Retry-After on 429", () => {
    expect(classifyKooDriveResponse(429, "", "30", 0)).toMatchObject({ kind: "transient", retryAfterS: 30 });
  });

  it("never puts tokens in the excerpt", () => {
    const body = '{"code":0,"msg":"ok","data":{"sessionInfo":{"accessToken":"AT sekret-a","refreshToken":"sekret-r","expiresIn":1800,"issuedAt":"1"}}}';
    const out = classifyKooDriveResponse(200, body);
    expect(out.excerpt).not.toContain("sekret");
  });
});

describe("parseSession", () => {
  const login = `{"code":0,"msg":"Success","data":{"userInfo":{"userId":1505084218764547200,"firstname":"A"},"sessionInfo":{"accessToken":"AT 3b911d72","expiresIn":1800,"issuedAt":"1772006999088","refreshToken":"0e0e72d3"}}}`;

  it("reads a login answer from raw text, expiry = issuedAt + expiresIn s, userId exact", () => {
    expect(parseSession(login)).toEqual({
      accessToken: "AT 3b911d72",
      refreshToken: "0e0e72d3",
      expiresAtMs: 1772006999088 + 1800 * 1000,
      userId: "1505084218764547200",
    });
  });

  it("reads an already parsed refresh answer without userInfo, with numeric fields as strings or numbers", () => {
    const parsed = { code: "0", msg: "ok", data: { sessionInfo: { accessToken: "AT x", refreshToken: "r", expiresIn: "600", issuedAt: 1000 } } };
    expect(parseSession(parsed)).toEqual({ accessToken: "AT x", refreshToken: "r", expiresAtMs: 601000 });
  });

  it("fails on a non-zero code with the message, not the body", () => {
    expect(() => parseSession('{"code":"40101","msg":"wrong password"}')).toThrow("KooDrive login/refresh failed with code 40101: wrong password");
  });

  it("names missing or bad fields without echoing values", () => {
    const bad = { code: 0, data: { sessionInfo: { accessToken: "AT leak-me", expiresIn: -5, issuedAt: "soon" } } };
    let message = "";
    try {
      parseSession(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/data\.sessionInfo\.refreshToken/);
    expect(message).toMatch(/data\.sessionInfo\.expiresIn/);
    expect(message).toMatch(/data\.sessionInfo\.issuedAt/);
    expect(message).not.toContain("leak-me");
    expect(() => parseSession("not json")).toThrow(/not JSON/);
  });
});

describe("parseJsonKeepingLongIntegers", () => {
  it("quotes integers of 16+ digits outside strings only", () => {
    expect(
      parseJsonKeepingLongIntegers('{"a":1505084218764547200,"b":"1505084218764547200 x","c":-12345678901234567,"d":12,"e":1.5e3,"f":[9007199254740993]}'),
    ).toEqual({
      a: "1505084218764547200",
      b: "1505084218764547200 x",
      c: "-12345678901234567",
      d: 12,
      e: 1500,
      f: ["9007199254740993"],
    });
  });
  it("handles escaped quotes inside strings", () => {
    expect(parseJsonKeepingLongIntegers('{"s":"say \\"12345678901234567\\"","n":12345678901234567}')).toEqual({
      s: 'say "12345678901234567"',
      n: "12345678901234567",
    });
  });
  it("still rejects invalid JSON", () => {
    expect(() => parseJsonKeepingLongIntegers("{")).toThrow();
  });
});
