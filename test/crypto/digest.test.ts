/**
 * Hashes and HMACs against published vectors (FIPS 180 "abc", RFC 4231 test case 2) and vectors
 * computed with Python's hashlib/hmac; string keys are their UTF-8 bytes.
 */
import { describe, expect, it } from "vitest";
import { hmacSha256, sha1, sha256 } from "../../src/crypto/digest";
import { toHex, utf8 } from "../../src/crypto/encoding";

describe("sha256 / sha1", () => {
  const rows: Array<[string, "sha256" | "sha1", string | Uint8Array, string]> = [
    ["SHA-256 of abc", "sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["SHA-256 of nothing", "sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["SHA-256 of é hashes its UTF-8 bytes", "sha256", "é", "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"],
    ["SHA-256 of bytes", "sha256", new Uint8Array([0x61, 0x62, 0x63]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["SHA-1 of abc", "sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"],
  ];

  it.each(rows)("%s", async (_label, algorithm, message, hex) => {
    expect(toHex(await (algorithm === "sha256" ? sha256(message) : sha1(message)))).toBe(hex);
  });
});

describe("hmacSha256", () => {
  const JEFE = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const rows: Array<[string, string | Uint8Array, string, string]> = [
    ["RFC 4231 test case 2", "Jefe", "what do ya want for nothing?", JEFE],
    ["the same key as bytes", utf8("Jefe"), "what do ya want for nothing?", JEFE],
    ["a non-ASCII key is its UTF-8 bytes", "clé-🔑", "payload", "6741ae052476668988d07dfaf25594cbfe9be369dbc16ccc8a21042f4d0eef1f"],
  ];

  it.each(rows)("%s", async (_label, key, message, hex) => {
    expect(toHex(await hmacSha256(key, message))).toBe(hex);
  });

  it("keeps the right key for each string while the key cache turns over", async () => {
    // More distinct keys than the cache holds, then the first key again.
    for (let i = 0; i < 40; i++) await hmacSha256(`key-${i}`, "x");
    expect(toHex(await hmacSha256("Jefe", "what do ya want for nothing?"))).toBe(JEFE);
    expect(toHex(await hmacSha256("Jefe", "what do ya want for nothing?"))).toBe(JEFE);
  });
});
