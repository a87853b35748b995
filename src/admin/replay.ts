/**
 * @module admin/replay
 * Putting dead (or still failing) deliveries back on the queue: one by id, all dead ones of an
 * instance, or every dead letter of a time window. The instance's Durable Object decides whether
 * a delivery may be replayed and re-queues it with a fresh lease; the KV index is only a way to
 * find owners and is cleaned up after.
 *
 * A replayed delivery keeps its id, which partners receive as the idempotency key; so the rare
 * double replay (KV lists are eventually consistent) is harmless downstream.
 *
 * A replay never reorders what a partner sees of an instance: the object refuses one that a later
 * event has overtaken at its partner unless `force` is given, and bulk replays hand each object
 * its deliveries together so it can send them oldest first.
 */
import type { Bindings } from "../bindings";
import { deadLetterOwner, listDeadLetters, unindexDeadLetter } from "../delivery/dead-letters";
import type { InstanceDetails, ReplayResult } from "../instance/instance-object";
import type { DeliveryRecord } from "../instance/records";
import type { BulkReplayResponseT } from "./schemas";
import { instanceObject } from "../instance/stub";

/** Index pages one window replay reads at most, so one call stays bounded; `cursor` continues. */
const MAX_SCAN_PAGES = 10;
const SCAN_PAGE_SIZE = 100;
/** Events asked of an instance for a bulk replay; the object returns up to three times as many deliveries. */
const BULK_DETAILS_EVENTS = 500;

export interface ReplayOptions {
  /** Send even a delivery a later event of its instance has overtaken at its partner. */
  force: boolean;
}

export type ReplayOutcome =
  | { kind: "replayed"; instanceKey: string; delivery: DeliveryRecord; forced: boolean; supersededBy: string | null }
  | { kind: "not_replayable"; instanceKey: string; message: string }
  | { kind: "superseded"; instanceKey: string; message: string }
  | { kind: "unknown" };

type Failed = { kind: "failed" };

export async function instanceDetails(env: Bindings, key: string, limit: number): Promise<InstanceDetails | null> {
  return await instanceObject(env, key).details(limit);
}

/**
 * Keeps the dead-letter index in step with the object's answer, and names the outcome.
 * `indexed`: the owner came from the index, so if the object does not know the delivery the
 * entry is garbage (the row is written before any send, so it cannot appear later).
 */
async function settleIndex(env: Bindings, instanceKey: string, deliveryId: string, result: ReplayResult, indexed: boolean): Promise<ReplayOutcome> {
  if (result.replayed && result.delivery) {
    await unindexDeadLetter(env.CACHE, deliveryId);
    return { kind: "replayed", instanceKey, delivery: result.delivery, forced: result.forced ?? false, supersededBy: result.supersededBy ?? null };
  }
  if (!result.delivery) {
    if (indexed) await unindexDeadLetter(env.CACHE, deliveryId);
    return { kind: "unknown" };
  }
  // Still dead, and still to be replayed once an operator decides: it stays listed.
  if (result.superseded) return { kind: "superseded", instanceKey, message: result.message ?? "superseded by a later delivery" };
  // Delivered or skipped: a dead-letter entry for it is stale, so it leaves the list. A dead one
  // that cannot be replayed (too large to queue) stays listed.
  if (result.delivery.status !== "dead") await unindexDeadLetter(env.CACHE, deliveryId);
  return { kind: "not_replayable", instanceKey, message: result.message ?? `delivery is ${result.delivery.status}` };
}

/** Asks the owning object to re-queue one delivery. */
async function replayAt(env: Bindings, instanceKey: string, deliveryId: string, indexed: boolean, opts: ReplayOptions): Promise<ReplayOutcome> {
  const result = await instanceObject(env, instanceKey).replay(deliveryId, opts);
  return settleIndex(env, instanceKey, deliveryId, result, indexed);
}

/**
 * Several deliveries of one instance: the object replays them oldest event first, so the earlier
 * ones go out first and the later ones line up behind them instead of overtaking them.
 */
async function replayManyAt(
  env: Bindings,
  instanceKey: string,
  deliveryIds: string[],
  indexed: boolean,
  opts: ReplayOptions,
): Promise<Map<string, ReplayOutcome>> {
  const results = await instanceObject(env, instanceKey).replayMany(deliveryIds, opts);
  const outcomes = new Map<string, ReplayOutcome>();
  for (const r of results) outcomes.set(r.deliveryId, await settleIndex(env, instanceKey, r.deliveryId, r, indexed));
  return outcomes;
}

/**
 * One delivery. The owner comes from the dead-letter index, else from the caller's hint (a
 * delivery that is failing but not dead yet is not in the index).
 */
export async function replayDelivery(env: Bindings, deliveryId: string, hintInstanceKey: string | undefined, opts: ReplayOptions): Promise<ReplayOutcome> {
  const indexed = await deadLetterOwner(env.CACHE, deliveryId);
  const candidates = [...new Set([indexed, hintInstanceKey].filter((k): k is string => !!k))];
  for (const key of candidates) {
    const outcome = await replayAt(env, key, deliveryId, key === indexed, opts);
    if (outcome.kind !== "unknown") return outcome;
  }
  return { kind: "unknown" };
}

/** The dead deliveries of one instance, oldest event first, up to `limit`. Null for an unknown instance. */
export async function replayInstance(env: Bindings, instanceKey: string, limit: number, opts: ReplayOptions): Promise<BulkReplayResponseT | null> {
  const details = await instanceDetails(env, instanceKey, BULK_DETAILS_EVENTS);
  if (!details) return null;
  const dead = details.deliveries.filter((d) => d.status === "dead").sort((a, b) => a.eventSeq - b.eventSeq || a.createdAt.localeCompare(b.createdAt));
  const picked = dead.slice(0, limit).map((d) => ({ deliveryId: d.deliveryId, instanceKey }));
  const out: BulkReplayResponseT = { replayed: [], skipped: [], more: dead.length > limit, cursor: null };
  await replayPicked(env, picked, false, opts, out);
  return out;
}

export interface WindowRequest {
  since: string;
  until?: string | undefined;
  connector?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * Dead letters with `since <= deadAt < until`. The index is sorted by death time, newest first,
 * so the scan skips what is newer than `until` and stops at the first entry older than `since`.
 * When the call stops early it returns the cursor of the page it was reading: replayed entries
 * have left the index, so reading that page again only meets what is still to do.
 *
 * What one call finds is replayed per instance, oldest event first (not in index order), so a
 * partner does not get an instance's later event before its earlier one.
 */
export async function replayWindow(env: Bindings, req: WindowRequest, opts: ReplayOptions, nowMs = Date.now()): Promise<BulkReplayResponseT> {
  const since = Date.parse(req.since);
  const until = req.until ? Date.parse(req.until) : nowMs;
  const out: BulkReplayResponseT = { replayed: [], skipped: [], more: false, cursor: null };
  const picked: Array<{ deliveryId: string; instanceKey: string }> = [];
  let cursor: string | null = req.cursor ?? null;
  scan: for (let pages = 0; ; pages++) {
    if (pages === MAX_SCAN_PAGES) {
      Object.assign(out, { more: true, cursor });
      break;
    }
    const page = await listDeadLetters(env.CACHE, { limit: SCAN_PAGE_SIZE, cursor });
    for (const item of page.items) {
      const deadAt = Date.parse(item.deadAt);
      if (deadAt >= until) continue;
      if (deadAt < since) break scan;
      if (req.connector && item.connector !== req.connector) continue;
      if (picked.length >= req.limit) {
        Object.assign(out, { more: true, cursor });
        break scan;
      }
      picked.push({ deliveryId: item.deliveryId, instanceKey: item.instanceKey });
    }
    if (page.cursor === null) break;
    cursor = page.cursor;
  }
  await replayPicked(env, picked, true, opts, out);
  return out;
}

/** Replays `picked` grouped by instance, and reports each in the order it was picked. */
async function replayPicked(
  env: Bindings,
  picked: Array<{ deliveryId: string; instanceKey: string }>,
  indexed: boolean,
  opts: ReplayOptions,
  out: BulkReplayResponseT,
): Promise<void> {
  const byInstance = new Map<string, string[]>();
  for (const p of picked) byInstance.set(p.instanceKey, [...(byInstance.get(p.instanceKey) ?? []), p.deliveryId]);
  const outcomes = new Map<string, ReplayOutcome | Failed>();
  for (const [key, ids] of byInstance) {
    const results = await safely(() => replayManyAt(env, key, ids, indexed, opts));
    for (const id of ids) outcomes.set(id, results.kind === "failed" ? results : (results.outcomes.get(id) ?? { kind: "unknown" }));
  }
  for (const p of picked) record(out, p.deliveryId, p.instanceKey, outcomes.get(p.deliveryId) ?? { kind: "unknown" });
}

/** One failing object must not abort a bulk call half-way; it is reported and the rest go on. */
async function safely(run: () => Promise<Map<string, ReplayOutcome>>): Promise<{ kind: "done"; outcomes: Map<string, ReplayOutcome> } | Failed> {
  try {
    return { kind: "done", outcomes: await run() };
  } catch (err) {
    console.error({ msg: "admin replay failed", error: err instanceof Error ? err.message : String(err) });
    return { kind: "failed" };
  }
}

function record(out: BulkReplayResponseT, deliveryId: string, instanceKey: string, outcome: ReplayOutcome | Failed): void {
  switch (outcome.kind) {
    case "replayed":
      out.replayed.push({ deliveryId, instanceKey });
      return;
    case "not_replayable":
    case "superseded":
      out.skipped.push({ deliveryId, instanceKey, reason: outcome.message });
      return;
    case "unknown":
      out.skipped.push({ deliveryId, instanceKey, reason: "the instance does not know this delivery" });
      return;
    case "failed":
      out.skipped.push({ deliveryId, instanceKey, reason: "the instance could not be reached; try again" });
  }
}
