/**
 * @module admin/replay
 * Putting dead (or still failing) deliveries back on the queue: one by id, all dead ones of an
 * instance, or every dead letter of a time window. The instance's Durable Object decides whether
 * a delivery may be replayed and re-queues it with a fresh lease; the KV index is only a way to
 * find owners and is cleaned up after.
 *
 * A replayed delivery keeps its id, which partners receive as the idempotency key; so the rare
 * double replay (KV lists are eventually consistent) is harmless downstream.
 */
import type { Bindings } from "../bindings";
import { deadLetterOwner, listDeadLetters, unindexDeadLetter } from "../delivery/dead-letters";
import type { InstanceDetails } from "../instance/instance-object";
import type { DeliveryRecord } from "../instance/records";
import type { BulkReplayResponseT } from "./schemas";

/** Index pages one window replay reads at most, so one call stays bounded; `cursor` continues. */
export const MAX_SCAN_PAGES = 10;
const SCAN_PAGE_SIZE = 100;
/** Events asked of an instance for a bulk replay; the object returns up to three times as many deliveries. */
const BULK_DETAILS_EVENTS = 500;

type DoReplay = { replayed: boolean; delivery: DeliveryRecord | null; message?: string };

export type ReplayOutcome =
  | { kind: "replayed"; instanceKey: string; delivery: DeliveryRecord }
  | { kind: "not_replayable"; instanceKey: string; message: string }
  | { kind: "unknown" };

const instance = (env: Bindings, key: string) => env.INSTANCES.get(env.INSTANCES.idFromName(key));

export async function instanceDetails(env: Bindings, key: string, limit: number): Promise<InstanceDetails | null> {
  return (await instance(env, key).details(limit)) as InstanceDetails | null;
}

/**
 * Asks the owning object to re-queue, and keeps the dead-letter index in step with its answer.
 * `indexed`: the owner came from the index, so if the object does not know the delivery the
 * entry is garbage (the row is written before any send, so it cannot appear later).
 */
async function replayAt(env: Bindings, instanceKey: string, deliveryId: string, indexed: boolean): Promise<ReplayOutcome> {
  const result = (await instance(env, instanceKey).replay(deliveryId)) as DoReplay;
  if (result.replayed && result.delivery) {
    await unindexDeadLetter(env.CACHE, deliveryId);
    return { kind: "replayed", instanceKey, delivery: result.delivery };
  }
  if (!result.delivery) {
    if (indexed) await unindexDeadLetter(env.CACHE, deliveryId);
    return { kind: "unknown" };
  }
  // Delivered or skipped: a dead-letter entry for it is stale, so it leaves the list.
  await unindexDeadLetter(env.CACHE, deliveryId);
  return { kind: "not_replayable", instanceKey, message: result.message ?? `delivery is ${result.delivery.status}` };
}

/**
 * One delivery. The owner comes from the dead-letter index, else from the caller's hint (a
 * delivery that is failing but not dead yet is not in the index).
 */
export async function replayDelivery(env: Bindings, deliveryId: string, hintInstanceKey?: string): Promise<ReplayOutcome> {
  const indexed = await deadLetterOwner(env.CACHE, deliveryId);
  const candidates = [...new Set([indexed, hintInstanceKey].filter((k): k is string => !!k))];
  for (const key of candidates) {
    const outcome = await replayAt(env, key, deliveryId, key === indexed);
    if (outcome.kind !== "unknown") return outcome;
  }
  return { kind: "unknown" };
}

/** Every dead delivery of one instance, newest first, up to `limit`. Null for an unknown instance. */
export async function replayInstance(env: Bindings, instanceKey: string, limit: number): Promise<BulkReplayResponseT | null> {
  const details = await instanceDetails(env, instanceKey, BULK_DETAILS_EVENTS);
  if (!details) return null;
  const dead = details.deliveries.filter((d) => d.status === "dead");
  const out: BulkReplayResponseT = { replayed: [], skipped: [], more: dead.length > limit, cursor: null };
  for (const d of dead.slice(0, limit)) record(out, d.deliveryId, instanceKey, await safely(() => replayAt(env, instanceKey, d.deliveryId, false)));
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
 * Dead letters with `since <= deadAt < until`, newest first. The index is sorted by death time,
 * so the scan skips what is newer than `until` and stops at the first entry older than `since`.
 * When the call stops early it returns the cursor of the page it was reading: replayed entries
 * have left the index, so reading that page again only meets what is still to do.
 */
export async function replayWindow(env: Bindings, req: WindowRequest, nowMs = Date.now()): Promise<BulkReplayResponseT> {
  const since = Date.parse(req.since);
  const until = req.until ? Date.parse(req.until) : nowMs;
  const out: BulkReplayResponseT = { replayed: [], skipped: [], more: false, cursor: null };
  let cursor: string | null = req.cursor ?? null;
  for (let pages = 0; pages < MAX_SCAN_PAGES; pages++) {
    const page = await listDeadLetters(env.CACHE, { limit: SCAN_PAGE_SIZE, cursor });
    for (const item of page.items) {
      const deadAt = Date.parse(item.deadAt);
      if (deadAt >= until) continue;
      if (deadAt < since) return out;
      if (req.connector && item.connector !== req.connector) continue;
      if (out.replayed.length + out.skipped.length >= req.limit) return { ...out, more: true, cursor };
      const outcome = await safely(() => replayAt(env, item.instanceKey, item.deliveryId, true));
      record(out, item.deliveryId, item.instanceKey, outcome);
    }
    if (page.cursor === null) return out;
    cursor = page.cursor;
  }
  return { ...out, more: true, cursor };
}

/** One failing object must not abort a bulk call half-way; it is reported and the rest go on. */
async function safely(run: () => Promise<ReplayOutcome>): Promise<ReplayOutcome | { kind: "failed" }> {
  try {
    return await run();
  } catch (err) {
    console.error({ msg: "admin replay failed", error: err instanceof Error ? err.message : String(err) });
    return { kind: "failed" };
  }
}

function record(out: BulkReplayResponseT, deliveryId: string, instanceKey: string, outcome: ReplayOutcome | { kind: "failed" }): void {
  switch (outcome.kind) {
    case "replayed":
      out.replayed.push({ deliveryId, instanceKey });
      return;
    case "not_replayable":
      out.skipped.push({ deliveryId, instanceKey, reason: outcome.message });
      return;
    case "unknown":
      out.skipped.push({ deliveryId, instanceKey, reason: "the instance does not know this delivery" });
      return;
    case "failed":
      out.skipped.push({ deliveryId, instanceKey, reason: "the instance could not be reached; try again" });
  }
}
