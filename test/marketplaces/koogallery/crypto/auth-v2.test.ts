/**
 * V2 signature verification and timestamp rules: a valid body signed by the independent signer,
 * each test breaking exactly one thing.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson, isTimestampFresh, parseV2Timestamp, verifyV2Signature } from "../../../../src/marketplaces/koogallery/crypto/auth-v2";
import { signV2 } from "../../../../tools/lib/koogallery-signer.mjs";
import { K, V2_BODY } from "./vectors";

const NONCE = "q2W3e4R5t6Y7u8I9";
const TS = "1729566664115";
const sign = (body: string, key = K): string => signV2(key, body, { nonce: NONCE, timestamp: TS }).signature;
const verify = (body: string, signature: string, nonce = NONCE, ts = TS) => verifyV2Signature(K, body, nonce, ts, signature);

describe("verifyV2Signature", () => {
  const signature = sign(V2_BODY);

  it("accepts the valid fixture as raw", async () => {
    expect(await verify(V2_BODY, signature)).toBe("raw");
  });

  it("accepts an uppercase signature", async () => {
    expect(await verify(V2_BODY, signature.toUpperCase())).toBe("raw");
  });

  it("rejects a wrong key", async () => {
    expect(await verify(V2_BODY, sign(V2_BODY, `${K}x`))).toBeNull();
  });

  it("rejects a body changed in one character", async () => {
    expect(await verify(V2_BODY.replace('"testFlag":"1"', '"testFlag":"0"'), signature)).toBeNull();
  });

  it("rejects a changed nonce or timestamp", async () => {
    expect(await verify(V2_BODY, signature, `${NONCE}0`)).toBeNull();
    expect(await verify(V2_BODY, signature, NONCE, "1729566664116")).toBeNull();
  });

  it("accepts a body re-serialized with spaces and another key order via canonical", async () => {
    const parsed = JSON.parse(V2_BODY) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(parsed).reverse());
    const pretty = JSON.stringify(reordered, null, 2);
    expect(pretty).not.toBe(V2_BODY);
    expect(await verify(pretty, signature)).toBe("canonical");
  });

  it("drops null members in the canonical form, as Huawei's sample does", async () => {
    const withNull = V2_BODY.replace("{", '{"memo":null,');
    expect(await verify(withNull, signature)).toBe("canonical");
  });

  it("does not fall back for JSON that is not an object, nor for non-JSON bodies", async () => {
    const arrayBody = `[${V2_BODY}]`;
    expect(await verify(arrayBody, signature)).toBeNull();
    expect(await verify("not json", signature)).toBeNull();
    expect(await verify("not json", sign("not json"))).toBe("raw");
  });

  it("rejects an empty or extended signature", async () => {
    expect(await verify(V2_BODY, "")).toBeNull();
    expect(await verify(V2_BODY, `${signature}00`)).toBeNull();
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively, removes nulls, keeps array order, writes compactly", () => {
    const value = { b: 1, a: { d: null, c: [{ y: 1, x: "é" }, 2] }, e: null };
    expect(canonicalJson(value)).toBe('{"a":{"c":[{"x":"é","y":1},2]},"b":1}');
  });

  it("is the identity on KooGallery's compact sorted bodies", () => {
    expect(canonicalJson(JSON.parse(V2_BODY))).toBe(V2_BODY);
  });
});

describe("parseV2Timestamp", () => {
  it("reads 13 digits as milliseconds", () => {
    expect(parseV2Timestamp("1680508066618")).toBe(1680508066618);
  });

  it("reads up to 10 digits as seconds", () => {
    expect(parseV2Timestamp("1680508066")).toBe(1680508066000);
    expect(parseV2Timestamp("0")).toBe(0);
  });

  it.each(["16805080666180", "168050806661", "16805080661", "", "-1680508066", "1680508066.6", " 1680508066618", "1.6e12", "０１"])("rejects %j", (value) => {
    expect(parseV2Timestamp(value)).toBeNull();
  });
});

describe("isTimestampFresh", () => {
  const now = 1_700_000_000_000;
  it("accepts stamps within the tolerance on both sides", () => {
    expect(isTimestampFresh(now, now, 60)).toBe(true);
    expect(isTimestampFresh(now - 60_000, now, 60)).toBe(true);
    expect(isTimestampFresh(now + 60_000, now, 60)).toBe(true);
  });

  it("rejects stamps just outside the tolerance on both sides", () => {
    expect(isTimestampFresh(now - 60_001, now, 60)).toBe(false);
    expect(isTimestampFresh(now + 60_001, now, 60)).toBe(false);
  });
});
