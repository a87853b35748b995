/**
 * @module tools/chaos/workload
 * Types for the workload generator (see workload.mjs).
 */
export type Platform = "koogallery-v1" | "koogallery-v2" | "activeplatform";
export type State = "active" | "suspended" | "expired" | "released";
export type KeyKind = "order" | "state" | "release" | "ap-renew" | "ap-change";
export interface Step {
  n: number;
  op: string;
  action: string;
  status?: string;
  orderId?: string;
  expireTime?: string;
  periodMonths?: number;
  eventType: string;
  stateAfter: State;
  keyKind: KeyKind;
  copies: number;
  concurrent: boolean;
  gapMs: number;
  thinkMs: number;
}
export interface LateDuplicate {
  of: number;
  at: number;
  stale: boolean;
}
export interface InstancePlan {
  index: number;
  platform: Platform;
  label: string;
  startMs: number;
  subscriptionId?: string;
  steps: Step[];
  late: LateDuplicate[];
  expected: { state: State; eventTypes: string[]; expiresAt: string | null | undefined };
}
export interface WorkloadOptions {
  instances: number;
  spreadMs: number;
  steps: [number, number];
  thinkMs: [number, number];
  lateRate: number;
  staleDuplicates: boolean;
  baseMs: number;
}
export const PLATFORMS: readonly Platform[];
export function generateWorkload(prng: import("./prng.mjs").Prng, opts: WorkloadOptions): InstancePlan[];
export function lateCopyIsHarmless(platform: Platform, steps: Step[], of: number, at: number, staleDuplicates: boolean): boolean | "stale";
export function expireTimeAt(ms: number): string;
export function isoFromExpireTime(v: string): string;
export function reactingConnectors(type: string): string[];
