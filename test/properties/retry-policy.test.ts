/**
 * Properties of the retry schedule (src/delivery/retry-policy.ts) over any mix of failures,
 * jitter draws and Retry-After values: delays stay in their bounds, never shrink from one attempt
 * to the next for the same jitter draw, and a whole run fits inside the queue's message retention.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ATTEMPT_TIMEOUT_MS } from "../../src/connectors/http";
import type { AttemptOutcome } from "../../src/delivery/outcome";
import { QUEUE_RETENTION_S } from "../../src/delivery/queues";
import {
  JITTER_FRACTION,
  MAX_ATTEMPTS,
  MAX_QUEUE_DELAY_S,
  OVERLOAD_FLOOR_S,
  RETRY_HORIZON_S,
  baseDelayS,
  nextRetryDelay,
} from "../../src/delivery/retry-policy";
import { DELIVERY_LEASE_MS } from "../../src/instance/outbox";

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** Every failure that is retried: HTTP errors, 429/408, client timeouts, network errors, auth after refresh, with or without Retry-After. */
const retriedOutcome: fc.Arbitrary<AttemptOutcome> = fc.oneof(
  fc.record({
    kind: fc.constant("transient" as const),
    status: fc.constantFrom(408, 425, 429, 500, 502, 503, 504),
    excerpt: fc.constant(""),
    reason: fc.constant("HTTP error"),
  }),
  fc.record({
    kind: fc.constant("transient" as const),
    status: fc.constantFrom(429, 503),
    excerpt: fc.constant(""),
    reason: fc.constant("HTTP error"),
    retryAfterS: fc.oneof(fc.nat({ max: 120 }), fc.nat({ max: 10_000_000 })),
  }),
  fc.record({ kind: fc.constant("transient" as const), excerpt: fc.constant(""), reason: fc.constantFrom("timeout", "network error") }),
  fc.record({ kind: fc.constant("auth" as const), status: fc.constantFrom(401, 403), excerpt: fc.constant(""), reason: fc.constant("HTTP 401") }),
);

const isOverload = (o: AttemptOutcome) => o.kind === "transient" && (o.status === 429 || o.status === 408 || o.reason === "timeout");
const retryAfterOf = (o: AttemptOutcome) => (o.kind === "transient" ? o.retryAfterS : undefined);

/** The largest delay the documented rules allow after `attempt` failures (Retry-After may reach 2 × base). */
const maxDelayS = (attempt: number) => Math.min(MAX_QUEUE_DELAY_S, Math.max(OVERLOAD_FLOOR_S, 2 * baseDelayS(attempt)));

function delayOf(attempt: number, outcome: AttemptOutcome, r: number): number {
  const d = nextRetryDelay({ attempt, outcome, random: () => r });
  if (!d.retry) throw new Error(`attempt ${attempt} was not retried: ${d.reason}`);
  return d.delayS;
}

describe("retry policy properties", () => {
  const attemptArb = fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 });

  it("every delay lies within ±jitter of its base (or the Retry-After clamp), the overload floor and the Queues cap", () => {
    fc.assert(
      fc.property(attemptArb, retriedOutcome, random01, (attempt, outcome, r) => {
        const delay = delayOf(attempt, outcome, r);
        const base = baseDelayS(attempt);
        const retryAfter = retryAfterOf(outcome);
        let low = retryAfter === undefined ? Math.round(base * (1 - JITTER_FRACTION)) : base;
        let high = retryAfter === undefined ? Math.round(base * (1 + JITTER_FRACTION)) : 2 * base;
        if (isOverload(outcome)) {
          low = Math.max(low, OVERLOAD_FLOOR_S);
          high = Math.max(high, OVERLOAD_FLOOR_S);
        }
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.min(Math.max(low, 1), MAX_QUEUE_DELAY_S));
        expect(delay).toBeLessThanOrEqual(Math.min(high, MAX_QUEUE_DELAY_S));
      }),
      { numRuns: 2_000 },
    );
  });

  it("delays never shrink from one attempt to the next apart from jitter: same draw, same failure, later attempt, no shorter wait", () => {
    fc.assert(
      fc.property(attemptArb, attemptArb, retriedOutcome, random01, (a, b, outcome, r) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(baseDelayS(early)).toBeLessThanOrEqual(baseDelayS(late));
        expect(delayOf(early, outcome, r)).toBeLessThanOrEqual(delayOf(late, outcome, r));
      }),
      { numRuns: 2_000 },
    );
  });

  it("a whole run of failures ends after MAX_ATTEMPTS, having retried for about the horizon, well inside the queue's retention", () => {
    // Worst case: every wait at its maximum, every attempt taking the full client timeout, and one
    // lost queue send caught by the outbox lease. Half the retention stays free, so a consumer
    // outage as long as the whole schedule still loses no message.
    const attemptS = ATTEMPT_TIMEOUT_MS / 1000;
    fc.assert(
      fc.property(fc.array(fc.tuple(retriedOutcome, random01), { minLength: MAX_ATTEMPTS, maxLength: MAX_ATTEMPTS }), (failures) => {
        let waited = 0;
        let attempt = 1;
        for (;;) {
          const [outcome, r] = failures[attempt - 1]!;
          const d = nextRetryDelay({ attempt, outcome, random: () => r });
          if (!d.retry) break;
          waited += d.delayS;
          attempt += 1;
        }
        expect(attempt).toBe(MAX_ATTEMPTS);
        expect(waited).toBeGreaterThanOrEqual(Math.floor(RETRY_HORIZON_S * (1 - JITTER_FRACTION)));
        const worst = waited + MAX_ATTEMPTS * attemptS + DELIVERY_LEASE_MS / 1000;
        expect(worst).toBeLessThanOrEqual(QUEUE_RETENTION_S / 2);
      }),
      { numRuns: 500 },
    );
  });

  it("the largest schedule the rules allow fits the retention with half of it to spare", () => {
    let total = 0;
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) total += maxDelayS(attempt);
    const worst = total + MAX_ATTEMPTS * (ATTEMPT_TIMEOUT_MS / 1000) + DELIVERY_LEASE_MS / 1000;
    // 314 760 s of waits (≈ 3.6 days: 2 × base, the 60 s floor on the first) against 14 days of retention.
    expect(total).toBe(314_760);
    expect(worst).toBeLessThanOrEqual(QUEUE_RETENTION_S / 2);
  });
});
