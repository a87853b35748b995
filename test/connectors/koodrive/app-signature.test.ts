import { createHash, createHmac } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import { appAuthorization, canonicalQuery, canonicalRequest, canonicalUri, stringToSign } from "../../../src/connectors/koodrive/app-signature";

// docs/koodrive.md §B.5 independently computed vector.
const V = {
  appSecret: "test-app-secret",
  host: "intl.myhuaweicloud-koodrive.com",
  xDate: "20251103T070140Z",
  userId: "1505084218764547200",
  body: '{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}',
  bodySha256: "5c3cf4effd3e60ace1f203883c90f128168e3e4ba9d35b7c6005c38b41267df9",
  canonical: [
    "POST",
    "/koodrive/ose/v1/carrier/users/notifyPackageExpire/",
    "",
    "host:intl.myhuaweicloud-koodrive.com",
    "x-date:20251103T070140Z",
    "x-user-id:1505084218764547200",
    "",
    "host;x-date;x-user-id",
    "5c3cf4effd3e60ace1f203883c90f128168e3e4ba9d35b7c6005c38b41267df9",
  ].join("\n"),
  canonicalSha256: "9c24ade95d82dce7c7002ec7272d12f9ff60d1f71d5fc50708e113d4249449ce",
  signature: "bb0ddeb1c97dbb13a9f5f6156d73f96b57644d8aab151e0c56f1ca8e670d56b1",
};
const sha256hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

describe("KooDrive app signature, docs/koodrive.md §B.5 vector", () => {
  it("the spec's own numbers are consistent under node:crypto", () => {
    expect(sha256hex(V.body)).toBe(V.bodySha256);
    expect(sha256hex(V.canonical)).toBe(V.canonicalSha256);
    expect(createHmac("sha256", V.appSecret).update(`HMAC-SHA256\n${V.canonicalSha256}`).digest("hex")).toBe(V.signature);
  });

  it("builds the canonical request text exactly", async () => {
    const canonical = await canonicalRequest({
      method: "post",
      path: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
      query: "",
      // Mixed case and untrimmed on purpose: names are lower-cased, values trimmed, entries sorted.
      headers: { "X-User-Id": ` ${V.userId} `, Host: V.host, "X-Date": V.xDate },
      body: V.body,
    });
    expect(canonical).toBe(V.canonical);
  });

  it("builds the two-line string to sign", async () => {
    expect(await stringToSign(V.canonical, V.xDate)).toBe(`HMAC-SHA256\n${V.canonicalSha256}`);
  });

  it("produces the documented Authorization header from a URL", async () => {
    const auth = await appAuthorization({
      appId: "my-app-id",
      appSecret: V.appSecret,
      method: "POST",
      url: `https://${V.host}/koodrive/ose/v1/carrier/users/notifyPackageExpire`,
      headers: { "X-Date": V.xDate, "X-User-Id": V.userId, "Content-Type": "application/json", "x-traceid": "t" },
      body: V.body,
    });
    expect(auth).toBe(`HMAC-SHA256 AppId=my-app-id,SignedHeaders=host;x-date;x-user-id,Signature=${V.signature}`);
  });

  it("signs the host actually in the URL, port included", async () => {
    const args = {
      appId: "a",
      appSecret: V.appSecret,
      method: "POST",
      headers: { "x-date": V.xDate, "x-user-id": V.userId },
      body: V.body,
    };
    const canonical = V.canonical.replace(`host:${V.host}`, `host:${V.host}:8443`);
    const expected = createHmac("sha256", V.appSecret)
      .update(`HMAC-SHA256\n${sha256hex(canonical)}`)
      .digest("hex");
    const auth = await appAuthorization({ ...args, url: `https://${V.host}:8443/koodrive/ose/v1/carrier/users/notifyPackageExpire` });
    expect(auth.endsWith(`Signature=${expected}`)).toBe(true);
  });

  it("requires X-Date and X-User-Id and non-empty credentials", async () => {
    const base = { appId: "a", appSecret: "s", method: "POST", url: `https://${V.host}/x`, body: "" };
    await expect(appAuthorization({ ...base, headers: { "x-user-id": "1" } })).rejects.toThrow(/X-Date/);
    await expect(appAuthorization({ ...base, headers: { "x-date": V.xDate } })).rejects.toThrow(/X-User-Id/);
    await expect(appAuthorization({ ...base, appSecret: "", headers: { "x-date": V.xDate, "x-user-id": "1" } })).rejects.toThrow(/KOODRIVE_APP_SECRET/);
    await expect(appAuthorization({ ...base, appId: "a,b", headers: { "x-date": V.xDate, "x-user-id": "1" } })).rejects.toThrow(/KOODRIVE_APP_ID/);
  });
});

describe("canonical URI and query", () => {
  it.each([
    ["/a/b", "/a/b/"],
    ["/a/b/", "/a/b/"],
    ["/", "/"],
    ["", "/"],
    ["/a b/c", "/a%20b/c/"],
    ["/a%20b/c", "/a%20b/c/"], // already encoded: not double-encoded
    ["/x(1)!*'", "/x%281%29%21%2A%27/"],
    ["/é", "/%C3%A9/"],
  ])("%j -> %j", (path, expected) => {
    expect(canonicalUri(path)).toBe(expected);
  });

  it.each([
    ["", ""],
    ["?", ""],
    ["b=2&a=1", "a=1&b=2"],
    ["b=1&F=2", "F=2&b=1"], // byte-wise: upper case first
    ["a=&b", "a=&b="], // empty value keeps its "="
    ["q=a b&r=a+b", "q=a%20b&r=a%20b"],
    ["k=x~y_z.-*", "k=x~y_z.-%2A"],
    ["a=2&a=1", "a=1&a=2"],
    ["pageSize=100&batchNo=X/1&pageCursor=", "batchNo=X%2F1&pageCursor=&pageSize=100"],
  ])("%j -> %j", (query, expected) => {
    expect(canonicalQuery(query)).toBe(expected);
  });

  it("takes URLSearchParams and pairs as well", () => {
    expect(
      canonicalQuery(
        new URLSearchParams([
          ["z", "ä"],
          ["a", "1"],
        ]),
      ),
    ).toBe("a=1&z=%C3%A4");
    expect(
      canonicalQuery([
        ["b", ""],
        ["a", "x y"],
      ]),
    ).toBe("a=x%20y&b=");
  });

  it("hashes an empty body as the empty string", async () => {
    const canonical = await canonicalRequest({ method: "GET", path: "/p", query: "", headers: { host: "h" }, body: "" });
    expect(canonical.endsWith(`\n${sha256hex("")}`)).toBe(true);
  });
});
