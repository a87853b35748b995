import { describe, expect, it } from "vitest";
import type { AttemptOutcome } from "../../src/delivery/outcome";
import { MAX_ATTEMPTS, MAX_QUEUE_DELAY_S, RETRY_HORIZON_S, RETRY_SCHEDULE_S, nextRetryDelay } from "../../src/delivery/retry-policy";

const fixed = (r: number) => () => r;
const noRandom = () => {
  throw new Error("random() must not be called here");
};

const http = (status: number, retryAfterS?: number): AttemptOutcome =>
  retryAfterS === undefined
    ? { kind: "transient", status, excerpt: "", reason: `HTTP ${status}` }
    : { kind: "transient", status, excerpt: "", reason: `HTTP ${status}`, retryAfterS };
const timeout: AttemptOutcome = { kind: "transient", excerpt: "", reason: "timeout" };
const network: AttemptOutcome = { kind: "transient", excerpt: "", reason: "network error" };
const auth: AttemptOutcome = { kind: "auth", status: 401, excerpt: "", reason: "HTTP 401" };

describe("constants", () => {
  it("uses the documented schedule, the 12 h Queues cap and a ~3 day horizon", () => {
    expect(RETRY_SCHEDULE_S).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200]);
    expect(MAX_QUEUE_DELAY_S).toBe(43200);
    expect(RETRY_HORIZON_S).toBe(259200);
  });

  it("derives MAX_ATTEMPTS so the base delays first reach the horizon (15 attempts, 272 555 s ≈ 75.7 h)", () => {
    // 56 555 s for the first nine steps, then 43 200 s per retry: 13 retries = 229 355 s (< 3 days),
    // 14 retries = 272 555 s (>= 3 days), i.e. 14 retries after the first try.
    expect(MAX_ATTEMPTS).toBe(15);
  });
});

describe("nextRetryDelay", () => {
  // [label, attempt, outcome, random, expected delay]; expected values computed by hand from
  // round(base * (0.8 + 0.4 * random)), floors and clamps.
  const rows: Array<[string, number, AttemptOutcome, number, number]> = [
    ["503 first failure, mid jitter", 1, http(503), 0.5, 5],
    ["503 first failure, lowest jitter", 1, http(503), 0, 4],
    ["503 first failure, highest jitter", 1, http(503), 0.999, 6],
    ["network error, attempt 2", 2, network, 0.25, 27],
    ["attempt 3", 3, http(500), 0.75, 132],
    ["attempt 4, -20%", 4, http(502), 0, 480],
    ["attempt 5", 5, http(503), 0.5, 1800],
    ["attempt 6", 6, http(504), 0.1, 3024],
    ["attempt 7", 7, network, 0.9, 8352],
    ["attempt 8", 8, network, 0.5, 14400],
    ["attempt 9", 9, network, 0.5, 28800],
    ["attempt 10, -20%", 10, network, 0, 34560],
    ["attempt 10, +20% clamped to the 12 h cap", 10, network, 0.999, 43200],
    ["attempt 12 stays on the cap", 12, network, 0.5, 43200],
    ["last allowed retry (attempt 14)", 14, network, 0.5, 43200],
    ["429 gets the 60 s floor", 1, http(429), 0.5, 60],
    ["client timeout gets the 60 s floor", 2, timeout, 0, 60],
    ["408 gets the 60 s floor", 1, http(408), 0.999, 60],
    ["timeout floor is irrelevant once the schedule is past it", 3, timeout, 0, 96],
    ["auth after the refresh is retried like transient", 1, auth, 0.5, 5],
  ];
  it.each(rows)("%s", (_label, attempt, outcome, r, expected) => {
    expect(nextRetryDelay({ attempt, outcome, random: fixed(r) })).toEqual({ retry: true, delayS: expected });
  });

  // Retry-After: clamped into [base, 2*base], no jitter (random must not be consulted).
  const retryAfterRows: Array<[string, number, AttemptOutcome, number]> = [
    ["inside [base, 2base] is honoured exactly", 2, http(503, 45), 45],
    ["above 2base is cut to 2base", 2, http(503, 100), 60],
    ["below base is raised to base", 2, http(503, 10), 30],
    ["0 is raised to base", 1, http(503, 0), 5],
    ["429 clamp to 2base, then the 60 s floor", 1, http(429, 30), 60],
    ["429 inside the range above the floor", 3, http(429, 200), 200],
    ["2base above the Queues cap is capped at 12 h", 10, http(429, 100000), 43200],
  ];
  it.each(retryAfterRows)("Retry-After %s", (_label, attempt, outcome, expected) => {
    expect(nextRetryDelay({ attempt, outcome, random: noRandom })).toEqual({ retry: true, delayS: expected });
  });

  it("never retries a permanent failure, whatever the attempt", () => {
    const outcome: AttemptOutcome = { kind: "permanent", status: 400, excerpt: "", reason: "HTTP 400" };
    expect(nextRetryDelay({ attempt: 1, outcome, random: noRandom })).toEqual({
      retry: false,
      reason: "permanent failure: HTTP 400",
    });
    expect(nextRetryDelay({ attempt: 99, outcome, random: noRandom })).toMatchObject({ retry: false, reason: "permanent failure: HTTP 400" });
  });

  it("does not retry a delivered outcome", () => {
    const outcome: AttemptOutcome = { kind: "delivered", status: 200, excerpt: "" };
    expect(nextRetryDelay({ attempt: 1, outcome, random: noRandom })).toMatchObject({ retry: false });
  });

  it("stops once MAX_ATTEMPTS attempts were made", () => {
    expect(nextRetryDelay({ attempt: 15, outcome: network, random: fixed(0.5) })).toEqual({
      retry: false,
      reason: "retries exhausted after 15 attempts",
    });
    expect(nextRetryDelay({ attempt: 40, outcome: auth, random: fixed(0.5) })).toEqual({
      retry: false,
      reason: "retries exhausted after 40 attempts",
    });
  });

  it("keeps every jittered delay within ±20 % of the base and inside [1, 43200]", () => {
    const bases = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200, 43200, 43200];
    for (let attempt = 1; attempt < 15; attempt++) {
      const base = bases[attempt - 1]!;
      for (const r of [0, 0.123, 0.5, 0.777, 0.999999]) {
        const d = nextRetryDelay({ attempt, outcome: network, random: fixed(r) });
        if (!d.retry) throw new Error(`attempt ${attempt} unexpectedly not retried`);
        expect(d.delayS).toBeGreaterThanOrEqual(Math.max(1, Math.round(base * 0.8)));
        expect(d.delayS).toBeLessThanOrEqual(Math.min(43200, Math.round(base * 1.2)));
      }
    }
  });

  it("sums to about three days over a full run at zero jitter", () => {
    let total = 0;
    let attempt = 1;
    for (;;) {
      const d = nextRetryDelay({ attempt, outcome: network, random: fixed(0.5) });
      if (!d.retry) break;
      total += d.delayS;
      attempt++;
    }
    expect(attempt).toBe(15);
    expect(total).toBe(272555);
  });

  describe("with RETRY_DELAY_SCALE", () => {
    it("scale 1 (the production default) schedules exactly what no scale does", () => {
      for (const [, attempt, outcome, r] of rows) {
        expect(nextRetryDelay({ attempt, outcome, random: fixed(r), scale: 1 })).toEqual(nextRetryDelay({ attempt, outcome, random: fixed(r) }));
      }
    });

    // The finished production delay (jitter, floors, Retry-After clamp) times the scale, rounded to
    // whole seconds as Queues take them.
    const scaled: Array<[string, number, AttemptOutcome, number, number, number]> = [
      ["attempt 5 at 1/100", 5, http(503), 0.5, 0.01, 18],
      ["the 12 h cap at 1/100", 12, network, 0.5, 0.01, 432],
      ["the 60 s overload floor at 1/10", 1, http(429), 0.5, 0.1, 6],
      ["Retry-After 45 s at 1/10", 2, http(503, 45), 0.5, 0.1, 5],
      ["5 s at 1/1000 is an immediate retry", 1, http(503), 0.5, 0.001, 0],
    ];
    it.each(scaled)("%s", (_label, attempt, outcome, r, scale, expected) => {
      expect(nextRetryDelay({ attempt, outcome, random: fixed(r), scale })).toEqual({ retry: true, delayS: expected });
    });

    it("does not scale the attempt budget", () => {
      expect(nextRetryDelay({ attempt: 15, outcome: network, random: fixed(0.5), scale: 0.001 })).toMatchObject({ retry: false });
      expect(nextRetryDelay({ attempt: 14, outcome: network, random: fixed(0.5), scale: 0.001 })).toMatchObject({ retry: true });
    });

    it("rejects a scale outside (0, 1]", () => {
      for (const scale of [0, -1, 1.5, Number.NaN]) {
        expect(() => nextRetryDelay({ attempt: 1, outcome: network, random: fixed(0.5), scale })).toThrow(RangeError);
      }
    });
  });

  it("rejects nonsense inputs instead of scheduling them", () => {
    expect(() => nextRetryDelay({ attempt: 0, outcome: network, random: fixed(0.5) })).toThrow(RangeError);
    expect(() => nextRetryDelay({ attempt: 1.5, outcome: network, random: fixed(0.5) })).toThrow(RangeError);
    expect(() => nextRetryDelay({ attempt: 1, outcome: network, random: fixed(1) })).toThrow(RangeError);
  });
});
