/**
 * @module tools/simulate/calls
 * Types for the simulator's pure call builders (see calls.mjs).
 */
export const DEFAULT_URL: string;
export const DEFAULT_AP_GUID: string;
export const DEFAULT_RESELLER_ID: string;
export const TARGETS: Readonly<{
  "koogallery-v1": readonly string[];
  "koogallery-v2": readonly string[];
  activeplatform: readonly string[];
}>;
export type Target = keyof typeof TARGETS;

export class SimulatorInputError extends Error {}

export interface CallOptions {
  url?: string;
  key?: string;
  pathSecret?: string;
  instanceId?: string;
  orderId?: string;
  expireTime?: string;
  status?: string;
  testFlag?: string;
  body?: string | Record<string, unknown>;
  apGuid?: string;
  resellerId?: string;
  externalId?: string;
  userId?: string;
  subscriptionId?: string;
  now?: Date;
}

export interface SimulatedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export function buildCall(target: string, action: string, opts: CallOptions): SimulatedCall;
export function koogalleryV1Call(activity: string, opts: CallOptions): SimulatedCall;
export function koogalleryV2Call(activity: string, opts: CallOptions & { nonce?: string; timestamp?: string }): SimulatedCall;
export function activePlatformCall(action: string, opts: CallOptions): SimulatedCall;
export function sortKeysDeep(value: unknown): unknown;
