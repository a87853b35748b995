/**
 * Every §2.5 vector, reproduced by the src implementation and by the independent node:crypto signer.
 */
import { describe, expect, it } from "vitest";
import { decryptCredential, deriveAesKey, encryptCredential } from "../../../../src/marketplaces/koogallery/crypto/aes";
import { computeAuthToken, v1StringToSign, verifyAuthToken } from "../../../../src/marketplaces/koogallery/crypto/auth-v1";
import { computeV2Signature, verifyV2Signature } from "../../../../src/marketplaces/koogallery/crypto/auth-v2";
import { bodySignature, bodySignHeader } from "../../../../src/marketplaces/koogallery/crypto/body-sign";
import { sha1prngBytes } from "../../../../src/marketplaces/koogallery/crypto/sha1prng";
import * as signer from "../../../../tools/lib/koogallery-signer.mjs";
import * as v from "./vectors";

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function hmacHex(key: string, msg: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", utf8(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(msg))));
}

describe("SHA1PRNG and AES key derivation", () => {
  it("state0 is SHA1(K)", async () => {
    expect(hex(new Uint8Array(await crypto.subtle.digest("SHA-1", utf8(v.K))))).toBe(v.STATE0_HEX);
  });

  it("AES-256 and AES-128 keys (src)", async () => {
    expect(hex(await deriveAesKey(v.K, 256))).toBe(v.AES256_KEY_HEX);
    expect(hex(await deriveAesKey(v.K, 128))).toBe(v.AES128_KEY_HEX);
  });

  it("AES-256 and AES-128 keys (signer)", () => {
    expect(hex(signer.aesKeyBytes(v.K, 256))).toBe(v.AES256_KEY_HEX);
    expect(hex(signer.aesKeyBytes(v.K, 128))).toBe(v.AES128_KEY_HEX);
  });

  it("the first 16 bytes of the stream are SHA1(SHA1(K))", async () => {
    const state0 = new Uint8Array(await crypto.subtle.digest("SHA-1", utf8(v.K)));
    const out0 = hex(new Uint8Array(await crypto.subtle.digest("SHA-1", state0)));
    expect(hex(await sha1prngBytes(utf8(v.K), 20))).toBe(out0);
  });

  it.each([0, 1, 19, 20, 21, 40, 41, 64, 200])("src and signer streams agree for %i bytes", async (length) => {
    for (const seed of [v.K, "", "x", "ÿÿÿÿ", "another-seller-key-0000"]) {
      expect(hex(await sha1prngBytes(utf8(seed), length))).toBe(hex(signer.sha1prng(utf8(seed), length)));
    }
  });
});

describe("credential encryption vectors", () => {
  it.each(v.ENC_VECTORS)("src encrypts $plaintext (AES-$bits) to the vector and back", async (vec) => {
    expect(await encryptCredential(v.K, vec.plaintext, { bits: vec.bits, iv: vec.iv })).toBe(vec.wire);
    expect(await decryptCredential(v.K, vec.wire)).toEqual({ plaintext: vec.plaintext, bits: vec.bits });
  });

  it.each(v.ENC_VECTORS)("signer encrypts $plaintext (AES-$bits) to the vector and back", (vec) => {
    expect(signer.encryptCredential(v.K, vec.plaintext, { bits: vec.bits, iv: vec.iv })).toBe(vec.wire);
    expect(signer.decryptCredential(v.K, vec.wire)).toBe(vec.plaintext);
  });
});

describe("Body-Sign vectors", () => {
  it.each(v.BODY_SIGN_VECTORS)("src signs $body", async ({ body, signature }) => {
    expect(await bodySignature(v.K, body)).toBe(signature);
    expect(await bodySignHeader(v.K, body)).toBe(`sign_type="HMAC-SHA256", signature= "${signature}"`);
  });

  it.each(v.BODY_SIGN_VECTORS)("signer signs $body", ({ body, signature }) => {
    expect(signer.bodySignature(v.K, body)).toBe(signature);
    expect(signer.verifyBodySign(v.K, body, `sign_type="HMAC-SHA256", signature= "${signature}"`)).toBe(true);
  });
});

describe("V1 authToken vectors", () => {
  it("vector A: string to sign, token and verification from the query as received", async () => {
    const params = new URLSearchParams(v.V1_A_QUERY);
    expect(params.get("authToken")).toBe(v.V1_A_TOKEN);
    expect(v1StringToSign(params)).toBe(v.V1_A_STRING_TO_SIGN);
    expect(await computeAuthToken(v.K, params)).toBe(v.V1_A_TOKEN);
    expect(await verifyAuthToken(v.K, params)).toBe(true);
  });

  it("vector A: signer reproduces the token", () => {
    const params = Object.fromEntries(new URLSearchParams(v.V1_A_QUERY));
    delete params.authToken;
    const signed = new URLSearchParams(signer.signV1Query(v.K, params));
    expect(signed.get("authToken")).toBe(v.V1_A_TOKEN);
  });

  it("vector B: src and signer", async () => {
    const query = signer.signV1Query(v.K, { ...v.V1_B_PARAMS });
    const params = new URLSearchParams(query);
    expect(params.get("authToken")).toBe(v.V1_B_TOKEN);
    expect(await computeAuthToken(v.K, new URLSearchParams(v.V1_B_PARAMS))).toBe(v.V1_B_TOKEN);
    expect(await verifyAuthToken(v.K, params)).toBe(true);
  });

  it("signer emits yyyyMMddHHmmssSSS UTC timestamps", () => {
    expect(signer.v1TimeStamp(new Date(Date.UTC(2025, 0, 1, 4, 0, 0, 123)))).toBe("20250101040000123");
  });
});

describe("V2 signature vectors", () => {
  it("inner is lowercase hex HMAC(K, body)", async () => {
    expect(await hmacHex(v.K, v.V2_BODY)).toBe(v.V2_INNER);
  });

  it("src computes and verifies the signature", async () => {
    expect(await computeV2Signature(v.K, v.V2_BODY, v.V2_NONCE, v.V2_TIMESTAMP)).toBe(v.V2_SIGNATURE);
    expect(await verifyV2Signature(v.K, v.V2_BODY, v.V2_NONCE, v.V2_TIMESTAMP, v.V2_SIGNATURE)).toBe("raw");
  });

  it("signer computes the signature and query", () => {
    const signed = signer.signV2(v.K, v.V2_BODY, { nonce: v.V2_NONCE, timestamp: v.V2_TIMESTAMP });
    expect(signed.signature).toBe(v.V2_SIGNATURE);
    expect(signed.query).toBe(`signature=${v.V2_SIGNATURE}&timestamp=${v.V2_TIMESTAMP}&nonce=${v.V2_NONCE}`);
  });

  it("a signature built with inner = SHA-256(body) (the prompify port) does not verify", async () => {
    const inner = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(v.V2_BODY))));
    const wrong = await hmacHex(v.K, v.K + v.V2_NONCE + v.V2_TIMESTAMP + inner);
    expect(wrong.startsWith(v.V2_WRONG_SHA256_INNER_PREFIX)).toBe(true);
    expect(await verifyV2Signature(v.K, v.V2_BODY, v.V2_NONCE, v.V2_TIMESTAMP, wrong)).toBeNull();
  });
});
