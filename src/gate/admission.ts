/**
 * @module gate/admission
 * The queue consumer's side of the connector gates: may this delivery be attempted now, what to
 * do after a failed attempt, and parking. A "yes" is cached in the isolate for
 * {@link NOT_PAUSED_CACHE_MS} (a pause holds within those seconds everywhere, and at once in the
 * isolate that handled it); "no" is never cached, so a resume is seen by the next delivery.
 *
 * If a gate cannot be reached the delivery goes ahead: the gate protects partners from load, it
 * must not become a way for deliveries to stall.
 */
import type { Bindings } from "../bindings";
import type { ConnectorName } from "../config";
import type { DeliveryVerdict } from "../delivery/connectors";
import type { DeliveryMessage } from "../delivery/message";
import { isPartnerFailure, NOT_PAUSED_CACHE_MS } from "./breaker";
import type { Admission, GateOutcome } from "./connector-gate";
import { connectorRateLimits } from "../config";
import { fullBucket, takeToken, throttled, type Bucket } from "./rate-limit";
import { instanceObject } from "../instance/stub";
import { rpcClient } from "../rpc";

const admitted = new Map<ConnectorName, { until: number; tracking: boolean }>();

export const connectorGate = (env: Bindings, connector: ConnectorName) => rpcClient(env.CONNECTOR_GATES, connector);

/** Drops cached "not paused" answers (after a pause in this isolate; between tests). */
export function forgetAdmissions(connector?: ConnectorName): void {
  if (connector) admitted.delete(connector);
  else admitted.clear();
}

export async function admission(env: Bindings, delivery: DeliveryMessage): Promise<Admission> {
  const cached = admitted.get(delivery.connector);
  if (cached && cached.until > Date.now()) return { admit: true, probe: false, tracking: cached.tracking, cacheMs: 0 };
  let answer: Admission;
  try {
    answer = await connectorGate(env, delivery.connector).admit(delivery.connector, delivery.deliveryId);
  } catch (err) {
    console.error({
      msg: "connector gate unreachable; delivering anyway",
      connector: delivery.connector,
      error: err instanceof Error ? err.message : String(err),
    });
    return { admit: true, probe: false, tracking: false, cacheMs: 0 };
  }
  if (answer.admit && answer.cacheMs > 0) admitted.set(delivery.connector, { until: Date.now() + answer.cacheMs, tracking: answer.tracking });
  else admitted.delete(delivery.connector);
  return answer;
}

/**
 * Reports a failed attempt at once. True when the connector is paused now (by this failure, or
 * by an operator meanwhile): the caller parks the delivery instead of spending the attempt.
 */
export async function pausedAfterFailure(env: Bindings, delivery: DeliveryMessage, verdict: DeliveryVerdict): Promise<boolean> {
  if (verdict.kind === "delivered" || verdict.kind === "skipped") return false;
  const answered = verdict.kind === "permanent" && verdict.status !== undefined;
  const outcome: GateOutcome = { deliveryId: delivery.deliveryId, ok: false, counts: isPartnerFailure(verdict), answered, reason: verdict.reason };
  try {
    const { paused } = await connectorGate(env, delivery.connector).report(delivery.connector, [outcome]);
    if (paused) admitted.delete(delivery.connector);
    else {
      const cached = admitted.get(delivery.connector);
      if (cached) cached.tracking = true;
    }
    return paused;
  } catch (err) {
    console.error({
      msg: "connector gate unreachable; failure not counted",
      connector: delivery.connector,
      error: err instanceof Error ? err.message : String(err),
    });
    return false;
  }
}

/** Successes, once per batch and connector, while the gate is counting failures (or probing). */
export async function reportSuccesses(env: Bindings, connector: ConnectorName, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  try {
    const answer = (await connectorGate(env, connector).report(
      connector,
      deliveryIds.map((deliveryId) => ({ deliveryId, ok: true, counts: true })),
    )) as { paused: boolean; tracking: boolean };
    if (answer.paused) admitted.delete(connector);
    else admitted.set(connector, { until: Date.now() + NOT_PAUSED_CACHE_MS, tracking: answer.tracking });
  } catch (err) {
    console.error({ msg: "connector gate unreachable; successes not counted", connector, error: err instanceof Error ? err.message : String(err) });
  }
}

/** Holds the delivery in its instance until the gate wakes it; no attempt is spent. */
export async function park(env: Bindings, delivery: DeliveryMessage): Promise<void> {
  await instanceObject(env, delivery.instanceKey).park(delivery.deliveryId);
}

/** This isolate's token buckets (gate/rate-limit.ts explains why per isolate). */
const buckets = new Map<ConnectorName, Bucket>();

/** Drops the buckets (between tests). */
export function forgetRates(): void {
  buckets.clear();
}

/** 0 when a request may go to the partner now; else how many ms to wait. A malformed setting uses the defaults (healthz reports it). */
export function rateWait(env: Bindings, connector: ConnectorName, nowMs = Date.now()): number {
  let rate: number;
  try {
    rate = connectorRateLimits(env)[connector];
  } catch {
    rate = connectorRateLimits({ ...env, CONNECTOR_RATE_LIMITS: "" })[connector];
  }
  const taken = takeToken(buckets.get(connector) ?? fullBucket(rate, nowMs), rate, nowMs);
  buckets.set(connector, taken.bucket);
  return taken.waitMs;
}

/** A 429 from the partner lowers this isolate's rate for it (and holds it for Retry-After). */
export function noteRateVerdict(env: Bindings, connector: ConnectorName, verdict: DeliveryVerdict, nowMs = Date.now()): void {
  if (verdict.kind !== "transient" || verdict.status !== 429) return;
  const rate = (() => {
    try {
      return connectorRateLimits(env)[connector];
    } catch {
      return 1;
    }
  })();
  buckets.set(connector, throttled(buckets.get(connector) ?? fullBucket(rate, nowMs), nowMs, verdict.retryAfterS));
}
