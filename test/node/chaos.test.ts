/**
 * `npm run chaos` at its small size: the gateway under wrangler dev (state persisted across two
 * SIGKILL restarts), mock partners refusing 60 % of calls, going down, answering past the client
 * timeout and with Retry-After, and the marketplaces sending every step 1-3 times plus late
 * duplicates. At the end every instance must be in the state its lifecycle implies, and every
 * partner must have exactly the implied effects, in order: no loss, no doubled effect, no
 * misorder, nothing left pending, no 5xx to a marketplace outside the gateway's downtime. MOR
 * subscriptions edited behind the gateway's back during the run are found by the reconciliation
 * sweeps and repaired (RECONCILE_REPAIR), and no drift is left.
 */
import { describe, expect, it } from "vitest";
import { PRESETS, formatSummary, runChaos, type ChaosResult } from "../../tools/chaos/index.mjs";

describe("chaos run (small)", () => {
  it("loses, doubles and misorders nothing under partner faults and gateway restarts", async () => {
    const result: ChaosResult = await runChaos({ seed: "1", preset: PRESETS.small });
    const summary = formatSummary(result);
    const v = result.verdict;
    // The run really was under fault: every partner refused calls, the gateway died twice.
    expect(result.restarts.count, summary).toBeGreaterThanOrEqual(2);
    expect(v.partners.vendor.refused, summary).toBeGreaterThan(0);
    expect(v.partners.mor.refused, summary).toBeGreaterThan(0);
    expect(v.calls.copies + v.calls.late, summary).toBeGreaterThan(0);
    // And nothing went wrong.
    expect(v.totals, summary).toEqual({ lost: 0, doubled: 0, misordered: 0 });
    expect(v.deliveries.pending, summary).toBe(0);
    expect(v.gateway.stateMismatch, summary).toBe(0);
    expect(v.gateway.unacknowledged, summary).toBe(0);
    expect(v.calls.serverErrors, summary).toBe(0);
    // MOR was edited behind the gateway's back while the faults were on: the sweeps found the
    // drift, repaired every one by re-sending the current state, and none is left.
    expect(v.drift.edits, summary).toBeGreaterThan(0);
    expect(v.drift.found, summary).toBeGreaterThan(0);
    expect(v.drift.repaired, summary).toBe(v.drift.found);
    expect(v.drift.repairs, summary).toBeGreaterThan(0);
    expect(v.drift.left, summary).toBe(0);
    expect(v.drift.disagreeAtEnd, summary).toBe(0);
    expect({ falseDrifts: v.drift.falseDrifts, missed: v.drift.missed, badRepairs: v.drift.badRepairs }, summary).toEqual({
      falseDrifts: 0,
      missed: 0,
      badRepairs: 0,
    });
    expect(result.ok, summary).toBe(true);
  }, 420_000);
});
