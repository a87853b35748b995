/**
 * @module delivery/retry-policy
 * When (and whether) to try a failed delivery again. One pure function, modelled on svix-server's
 * `calculate_retry_delay`: a fixed escalating schedule, ±20 % jitter, a 60 s floor after a 429 or a
 * timeout, and a `Retry-After` honoured only within [base, 2 × base] so a partner can slow us down
 * but cannot park a delivery for days or make us hammer it.
 *
 * Each hop is capped at {@link MAX_QUEUE_DELAY_S} because that is the Queues `delaySeconds` limit
 * (docs/platform.md fact 7). Attempts stop once the base schedule has covered about three days
 * ({@link RETRY_HORIZON_S}), the span Stripe and Standard Webhooks use.
 */
import { REASON_TIMEOUT, type AttemptOutcome } from "./outcome";

/** Queues `delaySeconds` maximum (12 h). */
export const MAX_QUEUE_DELAY_S = 43_200;

/**
 * Base delay before retry n (index n − 1), in seconds. After the last entry the delay stays at
 * {@link MAX_QUEUE_DELAY_S}.
 */
export const RETRY_SCHEDULE_S: readonly number[] = Object.freeze([5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200]);

/** How long, in total base delay, a delivery keeps being retried. */
export const RETRY_HORIZON_S = 3 * 86_400;

/** ±20 %: spreads retries of a batch that failed together. */
export const JITTER_FRACTION = 0.2;

/** Minimum wait after a 429, a 408 or a client timeout: the partner is overloaded, 5 s would only add load. */
export const OVERLOAD_FLOOR_S = 60;

/** Base delay after `attempt` attempts have failed (attempt ≥ 1). */
export function baseDelayS(attempt: number): number {
  const index = Math.min(attempt, RETRY_SCHEDULE_S.length) - 1;
  return Math.min(RETRY_SCHEDULE_S[index] ?? MAX_QUEUE_DELAY_S, MAX_QUEUE_DELAY_S);
}

/**
 * Total attempts (first try included): the first try plus as many retries as it takes for the base
 * delays to reach {@link RETRY_HORIZON_S}. With the schedule above that is 15 attempts over 272 555 s
 * (≈ 75.7 h), the same span as the Standard Webhooks schedule.
 */
export const MAX_ATTEMPTS: number = (() => {
  let retries = 0;
  let total = 0;
  while (total < RETRY_HORIZON_S) {
    retries += 1;
    total += baseDelayS(retries);
  }
  return retries + 1;
})();

export interface RetryInput {
  /** Attempts made so far, including the one that just failed (1 after the first failure). */
  attempt: number;
  outcome: AttemptOutcome;
  /** Injected uniform random in [0, 1) so that tests can pin the jitter. */
  random: () => number;
  /**
   * `RETRY_DELAY_SCALE` (default 1): the finished delay is multiplied by it, so a compressed run
   * keeps the schedule's shape, floors and clamps. Attempt counts are not scaled.
   */
  scale?: number;
}

export type RetryDecision = { retry: true; delayS: number } | { retry: false; reason: string };

const clamp = (value: number, min: number, max: number): number => Math.min(Math.max(value, min), max);

function isOverload(outcome: AttemptOutcome): boolean {
  if (outcome.kind !== "transient") return false;
  // 408 is the server saying our request timed out on its side; treat it like our own timeout.
  return outcome.status === 429 || outcome.status === 408 || outcome.reason === REASON_TIMEOUT;
}

export function nextRetryDelay({ attempt, outcome, random, scale = 1 }: RetryInput): RetryDecision {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${String(attempt)}`);
  }
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`scale must be in (0, 1], got ${String(scale)}`);
  switch (outcome.kind) {
    case "delivered":
      return { retry: false, reason: "delivered" };
    case "permanent":
      return { retry: false, reason: `permanent failure: ${outcome.reason}` };
    case "transient":
    case "auth":
      // "auth" reaches the policy only after the caller's one credential refresh failed to help;
      // from here on it is retried like any transient failure.
      break;
  }
  if (attempt >= MAX_ATTEMPTS) {
    return { retry: false, reason: `retries exhausted after ${attempt} attempts` };
  }

  const base = baseDelayS(attempt);
  let delay: number;
  if (outcome.kind === "transient" && outcome.retryAfterS !== undefined) {
    // The partner named a time: no jitter, which could undercut it; only the svix clamp applies.
    delay = clamp(outcome.retryAfterS, base, 2 * base);
  } else {
    const r = random();
    if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${String(r)}`);
    delay = base * (1 - JITTER_FRACTION + 2 * JITTER_FRACTION * r);
  }
  if (isOverload(outcome)) delay = Math.max(delay, OVERLOAD_FLOOR_S);
  const delayS = clamp(Math.round(delay), 1, MAX_QUEUE_DELAY_S);
  // Queues take whole seconds; a scaled delay may round to 0, an immediate retry.
  return { retry: true, delayS: scale === 1 ? delayS : Math.round(delayS * scale) };
}
