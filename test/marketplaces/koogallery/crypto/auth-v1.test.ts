/**
 * V1 authToken verification: a valid query signed by the independent signer, each test breaking
 * exactly one thing.
 */
import { describe, expect, it } from "vitest";
import { computeAuthToken, v1StringToSign, verifyAuthToken } from "../../../../src/marketplaces/koogallery/crypto/auth-v1";
import { signV1Query } from "../../../../tools/lib/koogallery-signer.mjs";
import { K } from "./vectors";

const BASE: Readonly<Record<string, string>> = {
  activity: "newInstance",
  businessId: "61e834ba-7b97-4418-b8f7-e5345137278c",
  customerName: "张三 & Co+",
  email: "AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ==",
  memo: "",
  Zone: "upper-case name sorts before lower-case",
  orderId: "CS2501011200ABCDE",
  testFlag: "1",
  timeStamp: "20250101040000123",
};

const signed = (params: Record<string, string> = BASE): string => signV1Query(K, { ...params });
const verify = (query: string, key = K): Promise<boolean> => verifyAuthToken(key, new URLSearchParams(query));

/** A signed query whose authToken contains `+` (found deterministically by varying orderId). */
function signedWithPlusInToken(): string {
  for (let i = 0; i < 1000; i++) {
    const query = signed({ ...BASE, orderId: `CS-${i}` });
    if (new URLSearchParams(query).get("authToken")?.includes("+")) return query;
  }
  throw new Error("no token with + found");
}

describe("verifyAuthToken", () => {
  it("accepts the valid fixture", async () => {
    expect(await verify(signed())).toBe(true);
  });

  it("sorts names by UTF-16 code unit and keeps empty values and timeStamp", () => {
    const s = v1StringToSign(new URLSearchParams(signed()));
    expect(s.startsWith("Zone=")).toBe(true);
    expect(s).toContain("&memo=&");
    expect(s).toContain("&customerName=张三 & Co+&");
    expect(s.endsWith("&timeStamp=20250101040000123")).toBe(true);
    expect(s).not.toContain("authToken");
  });

  it("rejects a wrong key", async () => {
    expect(await verify(signed(), "a1b2c3d4-e5f6-4711-8899-aabbccddeefF")).toBe(false);
  });

  it("rejects one changed parameter", async () => {
    expect(await verify(signed().replace("testFlag=1", "testFlag=0"))).toBe(false);
  });

  it("rejects a changed timeStamp", async () => {
    expect(await verify(signed().replace("timeStamp=20250101040000123", "timeStamp=20250101040000124"))).toBe(false);
  });

  it("rejects an added parameter, even an empty one", async () => {
    expect(await verify(`${signed()}&extra=1`)).toBe(false);
    expect(await verify(`${signed()}&extra=`)).toBe(false);
  });

  it("rejects a removed empty parameter", async () => {
    expect(await verify(signed().replace("memo=&", ""))).toBe(false);
  });

  it("uses the first value of a repeated name", async () => {
    expect(await verify(`${signed()}&orderId=OTHER`)).toBe(true);
    expect(await verify(`orderId=OTHER&${signed()}`)).toBe(false);
  });

  it("accepts a token whose + arrived unencoded (decoded to a space)", async () => {
    const query = signedWithPlusInToken();
    const raw = query.replace(/authToken=[^&]*/, (m) => decodeURIComponent(m));
    expect(new URLSearchParams(raw).get("authToken")).toContain(" ");
    expect(await verify(raw)).toBe(true);
  });

  it("rejects a token with one character changed", async () => {
    const query = signed();
    const token = new URLSearchParams(query).get("authToken") ?? "";
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect(await verify(query.replace(/authToken=[^&]*/, `authToken=${encodeURIComponent(flipped)}`))).toBe(false);
  });

  it("rejects a missing or empty authToken and a missing timeStamp", async () => {
    expect(await verify(signed().replace(/&authToken=[^&]*/, ""))).toBe(false);
    expect(await verify(signed().replace(/authToken=[^&]*/, "authToken="))).toBe(false);
    expect(await verify(signed().replace("timeStamp=20250101040000123&", ""))).toBe(false);
  });

  it("computeAuthToken refuses to sign without timeStamp", async () => {
    await expect(computeAuthToken(K, new URLSearchParams("a=1"))).rejects.toThrow(/timeStamp/);
  });
});
