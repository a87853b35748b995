/**
 * @module connectors/mor/target
 * What an event tells MOR (docs/mor.md §C.4), as a value: the client sends it, the reconciliation
 * sweep expects to find it. Pure.
 */
import type { CanonicalEvent } from "../../lifecycle/event-payload";

export type MorTarget =
  | { kind: "end"; endS: number }
  | { kind: "untilCanceled" }
  /** released: deleted (actions 1, 3) or disabled (action 2). */
  | { kind: "gone" };

/** Null when the event gives MOR nothing to hold (a renewed instance without an expiry). */
export function morTarget(event: Pick<CanonicalEvent, "type" | "occurredAt"> & { instance: { expiresAt: string | null } }): MorTarget | null {
  if (event.type === "instance.released") return { kind: "gone" };
  if (event.type === "instance.resumed") {
    // The freeze moved the end to the moment it froze; the resume puts back the paid-up end, or
    // "until canceled" for an instance that never had one.
    const end = event.instance.expiresAt;
    return end ? { kind: "end", endS: seconds(end) } : { kind: "untilCanceled" };
  }
  // Renewed: the paid-up end. Expired: the moment it froze, so billing stops there.
  const end = event.type === "instance.renewed" ? event.instance.expiresAt : event.occurredAt;
  return end ? { kind: "end", endS: seconds(end) } : null;
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** A target as the drift record and the ops events show it. */
export function describeTarget(t: MorTarget): string {
  if (t.kind === "gone") return "gone";
  if (t.kind === "untilCanceled") return "until canceled";
  return `end ${new Date(t.endS * 1000).toISOString()}`;
}
