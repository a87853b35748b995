/**
 * @module reconcile/compare
 * Does MOR hold what the gateway last told it (docs/reconciliation.md)? Pure.
 */
import type { MorSubscription } from "../connectors/mor/subscriptions";
import { describeTarget, type MorTarget } from "../connectors/mor/target";

/**
 * What the instance expects of MOR. `target` null: no MOR-bound event was ever sent (the
 * subscription was created outside the gateway, with an end it did not choose), so only its
 * presence is checked.
 */
export interface MorExpectation {
  subscriptionId: string;
  target: MorTarget | null;
}

export interface Verdict {
  agree: boolean;
  partnerValue: string;
  instanceValue: string;
}

function describeSubscription(sub: MorSubscription | undefined): string {
  if (!sub) return "absent";
  if (sub.disabled) return "disabled";
  return sub.tillS === null ? "until canceled" : `end ${new Date(sub.tillS * 1000).toISOString()}`;
}

export function compareMor(expected: MorExpectation, sub: MorSubscription | undefined, deleteAction: 1 | 2 | 3): Verdict {
  const partnerValue = describeSubscription(sub);
  const t = expected.target;
  const verdict = (agree: boolean, instanceValue: string): Verdict => ({ agree, partnerValue, instanceValue });
  if (t === null) return verdict(!!sub && !sub.disabled, "present");
  if (t.kind === "gone") {
    // Action 2 disables rather than deletes (docs/mor.md §C.4).
    return verdict(!sub || (deleteAction === 2 && sub.disabled), deleteAction === 2 ? "gone or disabled" : "gone");
  }
  if (!sub || sub.disabled) return verdict(false, describeTarget(t));
  if (t.kind === "untilCanceled") return verdict(sub.tillS === null, describeTarget(t));
  return verdict(sub.tillS === t.endS, describeTarget(t));
}
