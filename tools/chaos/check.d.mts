/**
 * @module tools/chaos/check
 * Types for the chaos verdict (see check.mjs).
 */
import type { Verdict } from "./index.mjs";
import type { InstancePlan } from "./workload.mjs";

export interface Received {
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  ok: boolean;
  verdict: string;
  injected: boolean;
  slow?: boolean;
  fields: Record<string, unknown>;
  warnings: string[];
}
export interface InstanceView {
  instance: { key: string; state: string; expiresAt: string | null; refs: Record<string, string> };
  events: Array<{ seq: number; type: string; occurredAt: string }>;
  deliveries: Array<{ deliveryId: string; eventSeq: number; connector: string; status: string; reason: string | null; attempts: number }>;
}
export interface CallRecord {
  label: string;
  step: number;
  kind: "first" | "copy" | "retry" | "late";
  stale?: boolean;
  sentAt: number;
  answeredAt: number;
  status: number | null;
  code: string | null;
  ok: boolean;
  serverError: boolean;
  signed: boolean | null;
  error?: string;
}
export interface InstanceRun {
  plan: InstancePlan;
  key: string | null;
  acknowledged: number;
  failure: string | null;
  lateDropped: number;
}
export function judgeRun(input: {
  runs: InstanceRun[];
  views: Map<string, InstanceView | null>;
  received: { vendor: Received[]; koodrive: Received[]; mor: Received[] };
  calls: CallRecord[];
  downtimes: Array<{ killedAt: number; readyAt: number }>;
  deadLetters: number;
  downtimeGraceMs?: number;
}): Verdict;
export function compareSequences(expected: string[], actual: string[]): { lost: number; doubled: number; misordered: number };
export function traceIdFor(deliveryId: string): string;
