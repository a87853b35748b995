/**
 * The dead-letter index key: KV lists keys in ascending byte order, so the key inverts the time
 * to list the newest first.
 */
import { describe, expect, it } from "vitest";
import { deadLetterKey } from "../../src/delivery/dead-letters";

describe("deadLetterKey", () => {
  const rows: Array<[string, number, string]> = [
    ["2026-03-10T12:00:00Z", 1_773_144_000_000, "dead:8226855999999:dlv_1"],
    ["the epoch", 0, "dead:9999999999999:dlv_1"],
    ["padded to 13 digits near the end of the range", 9_999_999_999_998, "dead:0000000000001:dlv_1"],
  ];

  it.each(rows)("%s", (_label, at, key) => {
    expect(deadLetterKey(at, "dlv_1")).toBe(key);
  });

  it("sorts newer deaths first, including across a change in digit count", () => {
    // 999 999 999 999 ms has 12 digits, 1 000 000 000 001 has 13.
    const times = [999_999_999_999, 1_000_000_000_001, 1_767_225_600_000, 1_767_225_601_000];
    const keys = times.map((t) => deadLetterKey(t, "dlv_x"));
    expect([...keys].sort()).toEqual([keys[3], keys[2], keys[1], keys[0]]);
  });
});
