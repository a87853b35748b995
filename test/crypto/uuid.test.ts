/**
 * Deterministic UUIDs: the first 16 bytes of SHA-256, version nibble 8, variant bits 10 (RFC 9562
 * §5.8). Expected values computed with Python's hashlib.
 */
import { describe, expect, it } from "vitest";
import { uuidFromDigestOf } from "../../src/crypto/uuid";

describe("uuidFromDigestOf", () => {
  const rows: Array<[string, string]> = [
    ["x", "2d711642-b726-8044-8162-7ca9fbac32f5"],
    ["koogallery-instance:O-1:P-1", "8d399304-de4b-8255-86b8-ddf130870880"],
  ];

  it.each(rows)("%j", async (input, expected) => {
    expect(await uuidFromDigestOf(input)).toBe(expected);
  });

  it("is a version-8, RFC-variant UUID for any input", async () => {
    for (const input of ["", "a", "é", "koogallery-instance:CS2211181819B4LVS:CS2211181819B4LVS-000001"]) {
      expect(await uuidFromDigestOf(input)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
