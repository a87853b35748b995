import { createHash } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import { traceIdFor } from "../../../src/connectors/koodrive/trace-id";
import { koodriveXDate } from "../../../src/connectors/koodrive/x-date";

describe("koodriveXDate", () => {
  it("formats UTC yyyyMMdd'T'HHmmss'Z', back-dated by 5 s", () => {
    expect(koodriveXDate(Date.UTC(2025, 10, 3, 7, 1, 45, 999))).toBe("20251103T070140Z");
    expect(koodriveXDate(Date.UTC(2025, 10, 3, 7, 1, 45, 0))).toBe("20251103T070140Z");
  });
  it("crosses day and year boundaries correctly", () => {
    expect(koodriveXDate(Date.UTC(2026, 0, 1, 0, 0, 3))).toBe("20251231T235958Z");
  });
  it("matches the documented pattern", () => {
    expect(koodriveXDate(Date.UTC(2026, 5, 9, 13, 5, 7))).toMatch(/^\d{8}T\d{6}Z$/);
  });
  it("rejects a non-finite time", () => {
    expect(() => koodriveXDate(Number.NaN)).toThrow(RangeError);
  });
});

describe("traceIdFor", () => {
  it("is 58 characters, deterministic and equal to the SHA-256 hex prefix", async () => {
    const a = await traceIdFor("dlv_01HZX");
    expect(a).toHaveLength(58);
    expect(await traceIdFor("dlv_01HZX")).toBe(a);
    expect(a).toBe(createHash("sha256").update("dlv_01HZX").digest("hex").slice(0, 58));
  });
  it("differs between deliveries", async () => {
    expect(await traceIdFor("dlv_1")).not.toBe(await traceIdFor("dlv_2"));
    expect(await traceIdFor("")).toHaveLength(58);
  });
});
