/**
 * @module gate/breaker
 * The circuit breaker's rule, as constants and pure functions. The connector gate
 * (`gate/connector-gate.ts`) keeps the counts and applies it.
 *
 * Where it comes from:
 * - Convoy trips an endpoint's breaker when the failure rate over an observability window
 *   (minutes, sampled every few seconds) reaches a threshold and the window holds a minimum
 *   number of requests (at least 10); after a timeout the breaker goes half-open and lets a few
 *   requests through, and closes when they succeed.
 * - Svix disables an endpoint only after its deliveries have failed for days, because a disabled
 *   endpoint loses messages there.
 *
 * Here a paused partner loses nothing (its deliveries wait in their instance objects and spend no
 * attempts), so the breaker can open as fast as Convoy's; and because nothing is lost, it never
 * gives up like Svix: it keeps probing, less and less often, until the partner answers or an
 * operator steps in.
 *
 * The rule, per partner connector (vendor, koodrive, mor):
 * - Counted: attempts that reached the partner, or tried to (a 5xx, 408, 425 or 429 answer, a
 *   timeout, a network error, credentials refused after a refresh). A permanent rejection of one
 *   delivery (any other 4xx, a MOR error for one subscription) says nothing about the partner's
 *   health and is not counted; neither is a delivery waiting for instance refs.
 * - Open when either holds:
 *   (a) rate: in the last {@link WINDOW_MS} (5 minutes, in {@link BUCKET_MS} buckets) at least
 *       {@link MIN_ATTEMPTS} (10) counted attempts, of which at least {@link FAILURE_RATE} (70 %)
 *       failed;
 *   (b) streak: {@link CONSECUTIVE_FAILURES} (8) failed attempts in a row, with no success in
 *       between, from at least two different deliveries. This catches a partner that is down
 *       while traffic is too thin for (a); the two-deliveries condition keeps one poisonous
 *       delivery that a partner keeps failing from pausing everyone else.
 * - While open, deliveries are parked without an attempt. A probe (one parked delivery, sent as
 *   itself: half-open) goes out {@link FIRST_PROBE_AFTER_MS} (1 minute) after opening, then after
 *   each failed probe twice as long after the last, up to every {@link MAX_PROBE_INTERVAL_MS}
 *   (15 minutes). The oldest parked instance is probed first, and a failed probe goes to the back
 *   of the line, so one bad delivery cannot keep the partner closed.
 * - A probe unanswered for {@link PROBE_TIMEOUT_MS} is given up and another one chosen.
 * - Closed again by the first answer from the partner (a probe's success, or a refusal of that one
 *   delivery with an HTTP status, which proves the partner is up), which resumes it: parked
 *   deliveries are re-queued in each instance's order.
 *
 * Cost of an outage: the attempts that trip the breaker (about 10, plus those already in flight),
 * then one probe at 1, 3, 7, 15 and 30 minutes and every 15 minutes after: 7 calls in the first
 * hour and 4 an hour after that, however many deliveries are waiting.
 */
import type { DeliveryVerdict } from "../delivery/connectors";
import { REASON_REFS_WAIT, REASON_UNEXPECTED } from "../delivery/connectors";

export const WINDOW_MS = 5 * 60_000;
export const BUCKET_MS = 30_000;
export const MIN_ATTEMPTS = 10;
const FAILURE_RATE = 0.7;
export const CONSECUTIVE_FAILURES = 8;
export const FIRST_PROBE_AFTER_MS = 60_000;
export const MAX_PROBE_INTERVAL_MS = 15 * 60_000;
export const PROBE_TIMEOUT_MS = 2 * 60_000;
/** How long a consumer may take "not paused" for granted without asking the gate again. */
export const NOT_PAUSED_CACHE_MS = 5_000;

export interface BreakerCounts {
  /** Counted attempts in the window, and how many of them failed. */
  windowAttempts: number;
  windowFailures: number;
  /** Failed attempts since the last success, and whether they came from more than one delivery. */
  streak: number;
  streakFromSeveralDeliveries: boolean;
}

/** Why the breaker opens now, or null when it stays closed. */
export function tripReason(c: BreakerCounts, lastReason: string): string | null {
  if (c.windowAttempts >= MIN_ATTEMPTS && c.windowFailures >= FAILURE_RATE * c.windowAttempts) {
    return `${c.windowFailures} of ${c.windowAttempts} attempts failed in ${WINDOW_MS / 60_000} minutes (last: ${lastReason})`;
  }
  if (c.streak >= CONSECUTIVE_FAILURES && c.streakFromSeveralDeliveries) {
    return `${c.streak} attempts in a row failed (last: ${lastReason})`;
  }
  return null;
}

/** Wait before the next probe: the first one a minute after opening, then doubling up to 15 minutes. */
export function nextProbeInterval(previousMs: number | null): number {
  if (previousMs === null) return FIRST_PROBE_AFTER_MS;
  return Math.min(previousMs * 2, MAX_PROBE_INTERVAL_MS);
}

export const bucketOf = (nowMs: number): number => nowMs - (nowMs % BUCKET_MS);

/** True for an outcome that says the partner is unavailable, as opposed to refusing one delivery. */
export function isPartnerFailure(verdict: DeliveryVerdict): boolean {
  if (verdict.kind !== "transient" && verdict.kind !== "auth") return false;
  return !verdict.reason.startsWith(REASON_REFS_WAIT) && !verdict.reason.startsWith(REASON_UNEXPECTED);
}
