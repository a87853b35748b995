import { createHash, createHmac } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import {
  KOODRIVE_PATHS,
  koodriveUrl,
  loginBody,
  notifyPackageExpireBody,
  notifyPackageExpireRequest,
  refreshTokenBody,
  tokenAuthorization,
  type TokenScheme,
} from "../../../src/connectors/koodrive/requests";

describe("bodies and paths", () => {
  it("notifyPackageExpire body is the exact documented JSON with type 2", () => {
    expect(notifyPackageExpireBody({ carrierUserId: "189642158555241211", packageId: "14" })).toBe(
      '{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}',
    );
  });
  it("rejects empty ids", () => {
    expect(() => notifyPackageExpireBody({ carrierUserId: "", packageId: "14" })).toThrow(/carrierUserId/);
    expect(() => notifyPackageExpireBody({ carrierUserId: "1", packageId: " " })).toThrow(/packageId/);
  });
  it("paths match docs/koodrive.md", () => {
    expect(KOODRIVE_PATHS).toEqual({
      login: "/koodrive/ose/v1/auth/login",
      refreshToken: "/koodrive/ose/v1/auth/refreshToken",
      notifyPackageExpire: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
    });
  });
  it("login and refresh bodies", () => {
    expect(JSON.parse(loginBody({ account: "carrier-admin", password: "pw" }))).toEqual({ account: "carrier-admin", authType: "1", password: "pw" });
    expect(refreshTokenBody("0e0e72d3")).toBe('{"refreshToken":"0e0e72d3"}');
  });
  it("joins the base URL without doubling slashes", () => {
    expect(koodriveUrl("https://intl.myhuaweicloud-koodrive.com/", KOODRIVE_PATHS.login)).toBe(
      "https://intl.myhuaweicloud-koodrive.com/koodrive/ose/v1/auth/login",
    );
    expect(() => koodriveUrl("nope", "/x")).toThrow(/KOODRIVE_BASE_URL/);
  });
});

describe("tokenAuthorization", () => {
  it("bearer prefixes, raw sends the token verbatim", () => {
    expect(tokenAuthorization("AT 3b911d72", "bearer")).toBe("Bearer AT 3b911d72");
    expect(tokenAuthorization("AT 3b911d72", "raw")).toBe("AT 3b911d72");
  });
  it("rejects an unknown scheme naming the setting, and an empty token", () => {
    expect(() => tokenAuthorization("AT x", "Basic" as TokenScheme)).toThrow(/KOODRIVE_TOKEN_SCHEME/);
    expect(() => tokenAuthorization("", "raw")).toThrow(/token/);
  });
});

describe("notifyPackageExpireRequest", () => {
  const base = {
    baseUrl: "https://intl.myhuaweicloud-koodrive.com",
    userId: "1505084218764547200",
    carrierUserId: "189642158555241211",
    packageId: "14",
    deliveryId: "dlv_1",
    nowMs: Date.UTC(2025, 10, 3, 7, 1, 45),
  };

  it("app mode: signs host, x-date, x-user-id exactly like §B.5", async () => {
    const req = await notifyPackageExpireRequest({ ...base, auth: { mode: "app", appId: "app1", appSecret: "test-app-secret" } });
    expect(req.url).toBe("https://intl.myhuaweicloud-koodrive.com/koodrive/ose/v1/carrier/users/notifyPackageExpire");
    expect(req.body).toBe('{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}');
    expect(req.headers["x-date"]).toBe("20251103T070140Z");
    expect(req.headers["x-user-id"]).toBe("1505084218764547200");
    expect(req.headers["x-traceid"]).toBe(createHash("sha256").update("dlv_1").digest("hex").slice(0, 58));
    expect(req.headers["content-type"]).toBe("application/json");
    // With this time, body and host the inputs are those of the §B.5 vector.
    expect(req.headers.authorization).toBe(
      "HMAC-SHA256 AppId=app1,SignedHeaders=host;x-date;x-user-id,Signature=bb0ddeb1c97dbb13a9f5f6156d73f96b57644d8aab151e0c56f1ca8e670d56b1",
    );
  });

  it("app mode: a later attempt gets a new X-Date and a new signature", async () => {
    const auth = { mode: "app", appId: "app1", appSecret: "test-app-secret" } as const;
    const later = await notifyPackageExpireRequest({ ...base, auth, nowMs: base.nowMs + 60_000 });
    expect(later.headers["x-date"]).toBe("20251103T070240Z");
    const canonical = `POST\n/koodrive/ose/v1/carrier/users/notifyPackageExpire/\n\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20251103T070240Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n5c3cf4effd3e60ace1f203883c90f128168e3e4ba9d35b7c6005c38b41267df9`;
    const sts = `HMAC-SHA256\n${createHash("sha256").update(canonical).digest("hex")}`;
    expect(later.headers.authorization).toContain(`Signature=${createHmac("sha256", "test-app-secret").update(sts).digest("hex")}`);
  });

  it("token mode uses the configured scheme", async () => {
    const req = await notifyPackageExpireRequest({ ...base, auth: { mode: "token", accessToken: "AT abc", scheme: "bearer" } });
    expect(req.headers.authorization).toBe("Bearer AT abc");
  });
});
