/**
 * @module reconcile/sweep
 * The reconciliation sweep (docs/reconciliation.md): a bounded slice of the instances that hold a
 * MOR subscription ref, one `subscriptions_get` for the slice, each instance's expectation compared
 * with MOR's listing and the verdict recorded on the instance. Run by the Cron Trigger and by
 * `POST /admin/reconcile`, never on a marketplace's answer path or inside a delivery.
 */
import type { Bindings } from "../bindings";
import { enabledConnectors, morConfig, reconcileRepair } from "../config";
import { attemptFetch, isRedirect } from "../connectors/http";
import { parseSubscriptions, subscriptionsGetRequest, type MorSubscription } from "../connectors/mor/subscriptions";
import { operationsIndex } from "../projection/project";
import { compareMor } from "./compare";
import { instanceObject } from "../instance/stub";

/** Instances checked per run; the cursor in the operations index resumes the walk in the next run. */
export const RECONCILE_BATCH = 100;
const CONCURRENCY = 6;

export interface SweepSummary {
  checked: number;
  inAgreement: number;
  drifted: number;
  /** Repairs queued in this run (the current state re-sent through the outbox; RECONCILE_REPAIR). */
  repaired: number;
  /** Earlier drifts found in agreement in this run (announced as instance.drift_repaired). */
  resolved: number;
  /** Not judged now: a MOR delivery in flight or changed since the listing, a test instance, no usable ref. */
  skipped: number;
  errors: number;
  /** The last instance key of this run when more remain; null when the walk went round. */
  cursor: string | null;
  done: boolean;
}

const empty = (): SweepSummary => ({ checked: 0, inAgreement: 0, drifted: 0, repaired: 0, resolved: 0, skipped: 0, errors: 0, cursor: null, done: true });

export async function runSweep(env: Bindings, limit = RECONCILE_BATCH): Promise<SweepSummary> {
  const summary = empty();
  if (!enabledConnectors(env).includes("mor")) return summary;
  const config = morConfig(env);
  const repair = reconcileRepair(env);
  const index = operationsIndex(env);
  const slice = await index.reconcileSlice("mor", limit);
  if (slice.keys.length === 0) {
    await index.advanceReconcile("mor", null, true);
    return summary;
  }
  // Taken before MOR is asked: an instance whose MOR delivery changed after it is not judged on
  // this listing, which may predate that delivery's effect.
  const listedAt = Date.now();
  const listed = await listSubscriptions(config);
  if (listed.kind === "error") {
    // Nothing judged on a failed listing; the same slice is tried again in the next run.
    console.error({ msg: "reconciliation: MOR subscriptions_get failed", reason: listed.message });
    return { ...summary, errors: slice.keys.length, cursor: null, done: false };
  }
  const byId = new Map(listed.subscriptions.map((s) => [s.id, s]));
  for (let i = 0; i < slice.keys.length; i += CONCURRENCY) {
    await Promise.all(slice.keys.slice(i, i + CONCURRENCY).map((key) => checkOne(env, key, byId, listedAt, config.deleteAction, repair, summary)));
  }
  const last = slice.keys.at(-1)!;
  await index.advanceReconcile("mor", last, slice.done);
  summary.cursor = slice.done ? null : last;
  summary.done = slice.done;
  console.log({ msg: "reconciliation sweep", connector: "mor", ...summary });
  return summary;
}

async function checkOne(
  env: Bindings,
  key: string,
  byId: Map<string, MorSubscription>,
  listedAt: number,
  deleteAction: 1 | 2 | 3,
  repair: boolean,
  summary: SweepSummary,
): Promise<void> {
  try {
    const stub = instanceObject(env, key);
    const check = await stub.morExpectation(listedAt);
    if ("skip" in check) {
      summary.skipped++;
      return;
    }
    const verdict = compareMor(check.check, byId.get(check.check.subscriptionId), deleteAction);
    const recorded = await stub.recordReconcile("mor", verdict, repair, listedAt);
    if (recorded === "skipped") {
      summary.skipped++;
      return;
    }
    summary.checked++;
    if (recorded === "agree") summary.inAgreement++;
    else if (recorded === "resolved") {
      summary.inAgreement++;
      summary.resolved++;
    } else {
      summary.drifted++;
      if (recorded === "repairing") summary.repaired++;
    }
  } catch (err) {
    summary.errors++;
    console.error({ msg: "reconciliation: instance not checked", instance: key, error: err instanceof Error ? err.message : String(err) });
  }
}

type Listing = { kind: "list"; subscriptions: MorSubscription[] } | { kind: "error"; message: string };

async function listSubscriptions(config: { baseUrl: string; username: string; secret: string }): Promise<Listing> {
  const request = await subscriptionsGetRequest(config);
  const result = await attemptFetch(request.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: request.form.toString(),
  });
  if (result.kind === "error") return { kind: "error", message: `${result.reason}: ${result.message}` };
  if (isRedirect(result.status)) return { kind: "error", message: `MOR answered a redirect (HTTP ${result.status}); check MOR_BASE_URL` };
  return parseSubscriptions(result.status, result.text);
}
