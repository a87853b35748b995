import { describe, expect, it } from "vitest";
import {
  CONSECUTIVE_FAILURES,
  FIRST_PROBE_AFTER_MS,
  isPartnerFailure,
  MAX_PROBE_INTERVAL_MS,
  MIN_ATTEMPTS,
  nextProbeInterval,
  tripReason,
  type BreakerCounts,
} from "../../src/gate/breaker";

const counts = (c: Partial<BreakerCounts>): BreakerCounts => ({ windowAttempts: 0, windowFailures: 0, streak: 0, streakFromSeveralDeliveries: true, ...c });

describe("when the circuit breaker opens", () => {
  it.each([
    ["9 failures of 9 attempts (below the minimum count)", counts({ windowAttempts: 9, windowFailures: 9 }), false],
    ["7 failures of 10 attempts (70 %)", counts({ windowAttempts: 10, windowFailures: 7 }), true],
    ["6 failures of 10 attempts", counts({ windowAttempts: 10, windowFailures: 6 }), false],
    ["14 failures of 20 attempts", counts({ windowAttempts: 20, windowFailures: 14 }), true],
    ["7 failures in a row from several deliveries", counts({ streak: CONSECUTIVE_FAILURES - 1 }), false],
    ["8 failures in a row from several deliveries", counts({ streak: CONSECUTIVE_FAILURES }), true],
    ["30 failures in a row of one delivery (a poisonous delivery, not a partner outage)", counts({ streak: 30, streakFromSeveralDeliveries: false }), false],
  ])("%s: %s", (_name, c, opens) => {
    expect(tripReason(c, "vendor endpoint answered HTTP 503") !== null).toBe(opens);
  });

  it("says why, with the last failure", () => {
    expect(tripReason(counts({ windowAttempts: MIN_ATTEMPTS, windowFailures: MIN_ATTEMPTS }), "timeout")).toBe(
      "10 of 10 attempts failed in 5 minutes (last: timeout)",
    );
    expect(tripReason(counts({ streak: 8 }), "network error")).toBe("8 attempts in a row failed (last: network error)");
  });
});

describe("probe schedule", () => {
  it("probes after a minute, then twice as long after each failed probe, at most every 15 minutes", () => {
    const waits: number[] = [];
    let interval: number | null = null;
    for (let i = 0; i < 8; i++) waits.push((interval = nextProbeInterval(interval)) / 60_000);
    expect(waits).toEqual([1, 2, 4, 8, 15, 15, 15, 15]);
    expect(nextProbeInterval(null)).toBe(FIRST_PROBE_AFTER_MS);
    expect(nextProbeInterval(MAX_PROBE_INTERVAL_MS)).toBe(MAX_PROBE_INTERVAL_MS);
  });

  it("a day-long outage costs at most about a hundred probes", () => {
    let t = 0;
    let probes = 0;
    let interval: number | null = null;
    while ((t += interval = nextProbeInterval(interval)) <= 24 * 3_600_000) probes++;
    expect(probes).toBeLessThanOrEqual(100);
  });
});

describe("what counts against a partner", () => {
  it.each([
    [{ kind: "transient", excerpt: "", reason: "vendor endpoint answered HTTP 503", status: 503 }, true],
    [{ kind: "transient", excerpt: "", reason: "timeout" }, true],
    [{ kind: "auth", excerpt: "", reason: "token refused" }, true],
    [{ kind: "permanent", excerpt: "", reason: "vendor endpoint answered HTTP 410" }, false],
    [{ kind: "transient", excerpt: "", reason: "waiting for instance refs: mor.subscriptionId" }, false],
    [{ kind: "transient", excerpt: "", reason: "unexpected error: boom" }, false],
    [{ kind: "skipped", reason: "test event" }, false],
    [{ kind: "delivered", excerpt: "" }, false],
  ] as const)("%o: %s", (verdict, counted) => {
    expect(isPartnerFailure(verdict)).toBe(counted);
  });
});
