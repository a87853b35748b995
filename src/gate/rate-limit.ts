/**
 * @module gate/rate-limit
 * A ceiling on requests per second to each partner (CONNECTOR_RATE_LIMITS), beside the circuit
 * breaker: a token bucket per connector, and a partner's own 429 lowers the rate for a while
 * (halved per 429, down to 1/16, for {@link THROTTLE_MS} or Retry-After if longer) and sends
 * nothing until its Retry-After has passed. Pure; the consumer keeps one bucket per connector in
 * its isolate (gate/admission.ts).
 *
 * Why per isolate and not in the ConnectorGate object: a per-request decision in the gate would
 * add a Durable Object round trip to every delivery (the gate's "not paused" answer is cached
 * for seconds precisely to avoid that). The cost is that N consumer isolates running at once may
 * send up to N times the ceiling; Queues runs few concurrent consumers for this queue's volume,
 * and a partner that still finds it too much answers 429, which each isolate then honours.
 */

export interface Bucket {
  tokens: number;
  atMs: number;
  /** While lowered after a 429: the factor applied to the configured rate, and until when. */
  factor: number;
  lowUntilMs: number;
  /** Nothing goes out before this (the partner's Retry-After). */
  blockedUntilMs: number;
}

/** How long a 429 keeps the rate lowered, at least. */
const THROTTLE_MS = 10 * 60_000;
const MIN_FACTOR = 1 / 16;
/** Retry-After assumed when a 429 has none. */
const DEFAULT_RETRY_AFTER_S = 5;

export const fullBucket = (ratePerS: number, nowMs: number): Bucket => ({
  tokens: Math.max(1, ratePerS),
  atMs: nowMs,
  factor: 1,
  lowUntilMs: 0,
  blockedUntilMs: 0,
});

/** The rate in force: the configured one, lowered while a 429 is recent. */
export function effectiveRate(b: Bucket, ratePerS: number, nowMs: number): number {
  return nowMs < b.lowUntilMs ? ratePerS * b.factor : ratePerS;
}

/** Takes one request's token, or says how long to wait for one. Burst: one second's worth (at least 1). */
export function takeToken(b: Bucket, ratePerS: number, nowMs: number): { ok: boolean; waitMs: number; bucket: Bucket } {
  if (nowMs < b.blockedUntilMs) return { ok: false, waitMs: b.blockedUntilMs - nowMs, bucket: b };
  const rate = effectiveRate(b, ratePerS, nowMs);
  const burst = Math.max(1, rate);
  const tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * rate);
  const factor = nowMs < b.lowUntilMs ? b.factor : 1;
  if (tokens >= 1) return { ok: true, waitMs: 0, bucket: { ...b, tokens: tokens - 1, atMs: nowMs, factor } };
  return { ok: false, waitMs: Math.ceil(((1 - tokens) / rate) * 1000), bucket: { ...b, tokens, atMs: nowMs, factor } };
}

/** The partner answered 429: lower the rate and hold everything until its Retry-After. */
export function throttled(b: Bucket, nowMs: number, retryAfterS: number | undefined): Bucket {
  const waitMs = Math.max(0, retryAfterS ?? DEFAULT_RETRY_AFTER_S) * 1000;
  const factor = Math.max(MIN_FACTOR, (nowMs < b.lowUntilMs ? b.factor : 1) / 2);
  return {
    ...b,
    tokens: 0,
    atMs: nowMs,
    factor,
    lowUntilMs: nowMs + Math.max(THROTTLE_MS, waitMs),
    blockedUntilMs: Math.max(b.blockedUntilMs, nowMs + waitMs),
  };
}
