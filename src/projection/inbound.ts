/**
 * @module projection/inbound
 * Counting inbound marketplace calls for `/admin/stats` without touching the answer path: each
 * answered call adds one to a per-isolate tally, and a tally is flushed to the index at most once
 * a second (one Durable Object request for all the calls of that second), after the answers.
 * If an isolate is torn down before its flush, that second's counts are lost: the figures are
 * statistics, not records (every call is also in the logs).
 */
import type { Bindings } from "../bindings";
import type { InboundCount } from "./index-object";
import { operationsIndex } from "./project";
import { minuteOf } from "./search";

const FLUSH_AFTER_MS = 1_000;

const tally = new Map<string, InboundCount>();
let flushing: Promise<void> | null = null;

/**
 * Adds one call to this isolate's tally. Returns the pending flush, which the caller keeps alive
 * with `ctx.waitUntil`; calls within the same second share it.
 */
export function countInbound(env: Bindings, route: string, result: string, nowMs = Date.now()): Promise<void> {
  const minute = minuteOf(nowMs);
  const key = `${minute}\u0000${route}\u0000${result}`;
  const entry = tally.get(key);
  if (entry) entry.calls++;
  else tally.set(key, { minute, route, result, calls: 1 });
  flushing ??= flushLater(env);
  return flushing;
}

/** Settles when this isolate's pending tally has been written (for tests: counts of earlier calls are in). */
export function inboundFlushed(): Promise<void> {
  return flushing ?? Promise.resolve();
}

async function flushLater(env: Bindings): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, FLUSH_AFTER_MS));
  const counts = [...tally.values()];
  tally.clear();
  flushing = null;
  if (counts.length === 0) return;
  try {
    await operationsIndex(env).countInbound(counts);
  } catch (err) {
    console.error({
      msg: "inbound figures not recorded",
      calls: counts.reduce((n, c) => n + c.calls, 0),
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** What result an answered call counts under: the KooGallery result code, else the HTTP status. */
export async function resultOf(route: string, response: Response): Promise<string> {
  if (route !== "koogallery") return String(response.status);
  try {
    const body = (await response.json()) as { resultCode?: unknown };
    return typeof body.resultCode === "string" ? body.resultCode : String(response.status);
  } catch {
    return String(response.status);
  }
}
