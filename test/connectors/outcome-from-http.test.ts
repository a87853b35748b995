/**
 * No HTTP answer at all is always worth retrying; a timeout is told apart so the retry policy
 * applies its overload floor.
 */
import { describe, expect, it } from "vitest";
import { fromHttpError } from "../../src/connectors/outcome-from-http";

describe("fromHttpError", () => {
  const rows: Array<["timeout" | "network", string, unknown]> = [
    ["network", "connection refused", { kind: "transient", excerpt: "connection refused", reason: "network error" }],
    ["timeout", "The operation was aborted due to timeout", { kind: "transient", excerpt: "The operation was aborted due to timeout", reason: "timeout" }],
  ];

  it.each(rows)("%s", (reason, message, expected) => {
    expect(fromHttpError({ kind: "error", reason, message, durationMs: 5 })).toEqual(expected);
  });
});
