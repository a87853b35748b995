import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, parseWindow } from "../../src/projection/search";
import { searchStatus } from "../../src/projection/types";

describe("cursors", () => {
  it("round-trip a position, URL-safe", () => {
    const p = { ms: 1_795_000_000_123, id: "koogallery:0b6d2d0e-3a0c-4c62-9d6e-3f1f7f0f5a11" };
    const c = encodeCursor(p);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(p);
  });

  it.each(["", "not a cursor", btoa("[1]"), btoa('["a","b"]'), btoa('[1.5,"x"]'), btoa("{}")])("refuses %j", (c) => {
    expect(decodeCursor(c)).toBeNull();
  });
});

describe("figure windows", () => {
  it.each([
    ["1m", 60_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["8d", null],
    ["169h", null],
    ["0h", null],
    ["24", null],
    ["1w", null],
    ["-1h", null],
    ["1.5h", null],
  ])("%s", (text, ms) => {
    expect(parseWindow(text)).toBe(ms);
  });
});

describe("delivery status in search", () => {
  it.each([
    ["pending", 0, "pending"],
    ["waiting", 0, "pending"],
    ["parked", 0, "pending"],
    ["pending", 2, "retrying"],
    ["parked", 3, "retrying"],
    ["delivered", 1, "delivered"],
    ["skipped", 0, "skipped"],
    ["dead", 15, "dead"],
  ] as const)("%s after %i attempts reads %s", (status, attempts, expected) => {
    expect(searchStatus(status, attempts)).toBe(expected);
  });
});
