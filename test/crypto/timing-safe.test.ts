/**
 * Constant-time compare of secrets and signatures: the verdict for every shape of input the
 * callers pass (admin token, ActivePlatform path secret, V1 authToken, V2 signature).
 */
import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../../src/crypto/timing-safe";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("timingSafeEqual", () => {
  const rows: Array<[string, string | Uint8Array, string | Uint8Array, boolean]> = [
    ["equal strings (control)", "test-admin-token", "test-admin-token", true],
    ["unequal, same length, last character", "test-admin-token", "test-admin-tokeN", false],
    ["unequal, same length, first character", "aBCDEF", "bBCDEF", false],
    ["case differs", "abcdef", "ABCDEF", false],
    ["unequal lengths: a prefix", "secret", "secret-longer", false],
    ["unequal lengths: the other way", "secret-longer", "secret", false],
    ["trailing space", "secret", "secret ", false],
    ["both empty", "", "", true],
    ["empty against non-empty", "", "x", false],
    ["non-empty against empty", "x", "", false],
    ["equal non-ASCII", "pässwörd-密码-🔑", "pässwörd-密码-🔑", true],
    ["non-ASCII, same string length, different character", "pässwörd", "pässwörđ", false],
    // Compared as UTF-8 bytes, never normalised: é precomposed is not e + combining acute.
    ["non-ASCII, same text, different normal form", "caf\u00e9", "cafe\u0301", false],
    ["equal bytes", bytes(0, 1, 2, 255), bytes(0, 1, 2, 255), true],
    ["unequal bytes, same length", bytes(0, 1, 2, 255), bytes(0, 1, 2, 254), false],
    ["unequal byte lengths", bytes(0, 1, 2), bytes(0, 1, 2, 0), false],
    ["empty bytes", bytes(), bytes(), true],
    ["a string equals its UTF-8 bytes", "é", bytes(0xc3, 0xa9), true],
    ["a string against other bytes", "é", bytes(0xe9), false],
  ];

  it.each(rows)("%s", async (_label, a, b, expected) => {
    expect(await timingSafeEqual(a, b)).toBe(expected);
  });
});
