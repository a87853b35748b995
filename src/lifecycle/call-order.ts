/**
 * @module lifecycle/call-order
 * Rules that keep stale and replayed marketplace calls from moving an instance backwards. Pure:
 * the caller passes the clock.
 *
 * KooGallery V1 has no nonce and no freshness window (docs/koogallery.md §2.1), so a logged URL,
 * or a late retry, can be sent again byte for byte long after the state it produced has changed.
 * Both generations stamp every call (V1 `timeStamp`, V2 `timestamp`), so an instance keeps the
 * latest marketplace time it accepted and answers an older call with success without applying it:
 * the marketplace has since said something newer about the instance.
 *
 * Equal times are not stale: two different calls can carry the same millisecond. The very same
 * call sent again (same event key, same time) is recognised from the ledger instead.
 */
import type { LifecycleCommand, NonceClaim } from "./types";

/**
 * How long past the end of its window a V2 nonce is still remembered. The call was verified by
 * an isolate whose clock may differ from the object's; the margin covers that difference, so a
 * nonce is never forgotten while some verifier could still accept its timestamp.
 */
const NONCE_MARGIN_MS = 5 * 60 * 1000;

/** The V2 timestamp window, on the caller's clock: both sides, like the adapter's check. */
export function withinWindow(nonce: NonceClaim, nowMs: number): boolean {
  return Math.abs(nowMs - nonce.timestampMs) <= nonce.toleranceMs;
}

/** Until when a claimed nonce must stay unique: the end of its window plus the margin. */
export function nonceKeepUntil(nonce: NonceClaim): number {
  return nonce.timestampMs + nonce.toleranceMs + NONCE_MARGIN_MS;
}

/** A call stamped before the latest time the instance accepted. */
export function isStale(latest: number | null, at: number | undefined): boolean {
  return at !== undefined && latest !== null && at < latest;
}

export function laterOf(latest: number | null, at: number | undefined): number | null {
  if (at === undefined) return latest;
  return latest === null ? at : Math.max(latest, at);
}

/**
 * Whether a call that changed nothing still moves the instance's marketplace time: a status call
 * (freeze, unfreeze, release) that finds the instance already where it asks for confirms that
 * state as of its time, so an older status call arriving after it must not undo it. A repeated
 * order (a newInstance KooGallery sends again when the buyer opens the resource page, a renewal
 * retry) says nothing about the state now, and does not.
 */
export function affirmsState(cmd: Pick<LifecycleCommand, "action" | "keyScope">): boolean {
  return cmd.action !== "provision" && cmd.keyScope === "state";
}
