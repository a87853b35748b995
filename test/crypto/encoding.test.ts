/**
 * Byte/text conversions every signature scheme uses: RFC 4648 §10 base64 vectors, lowercase hex,
 * UTF-8.
 */
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64, toHex, utf8 } from "../../src/crypto/encoding";

const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe("base64 (RFC 4648 §10)", () => {
  const rows: Array<[string, string]> = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];

  it.each(rows)("%j ↔ %j", (text, encoded) => {
    expect(toBase64(ascii(text))).toBe(encoded);
    expect(fromBase64(encoded)).toEqual(ascii(text));
  });

  it("encodes every byte value, from an ArrayBuffer too", () => {
    expect(toBase64(new Uint8Array([0, 255, 254, 62, 63]).buffer)).toBe("AP/+Pj8=");
    expect(fromBase64("AP/+Pj8=")).toEqual(new Uint8Array([0, 255, 254, 62, 63]));
  });

  it.each([
    ["without padding", "Zm8", "fo"],
    ["without padding, one byte", "Zg", "f"],
  ])("decodes %s", (_label, encoded, text) => {
    expect(fromBase64(encoded)).toEqual(ascii(text));
  });

  it.each([
    ["base64url alphabet", "AP_-Pj8="],
    ["a character outside the alphabet", "Zm9v!"],
    ["an impossible length", "Zm9vY"],
    ["partial padding", "Zg="],
  ])("throws on %s", (_label, encoded) => {
    expect(() => fromBase64(encoded)).toThrow();
  });
});

describe("toHex", () => {
  const rows: Array<[string, Uint8Array<ArrayBuffer>, string]> = [
    ["empty", new Uint8Array([]), ""],
    ["zero-padded lowercase", new Uint8Array([0, 1, 15, 16, 171, 255]), "00010f10abff"],
  ];
  it.each(rows)("%s", (_label, bytes, hex) => {
    expect(toHex(bytes)).toBe(hex);
    expect(toHex(bytes.buffer)).toBe(hex);
  });
});

describe("utf8", () => {
  const rows: Array<[string, number[]]> = [
    ["A", [0x41]],
    ["é", [0xc3, 0xa9]],
    ["密", [0xe5, 0xaf, 0x86]],
    ["😀", [0xf0, 0x9f, 0x98, 0x80]],
    // A lone surrogate cannot be encoded: it becomes U+FFFD.
    ["\ud800", [0xef, 0xbf, 0xbd]],
  ];
  it.each(rows)("%j", (text, bytes) => {
    expect([...utf8(text)]).toEqual(bytes);
  });
});
