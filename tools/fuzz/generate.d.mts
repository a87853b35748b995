/**
 * @module tools/fuzz/generate
 * Types for the fuzz generators (see generate.mjs).
 */
export const FAMILIES: readonly string[];

export interface FuzzContext {
  key: string;
  pathSecret: string;
  adminToken: string;
  v1InstanceId: string;
  v2InstanceId: string;
  apExternalId: string;
  apUserId: string;
  v2Replay: { query: string; body: string };
  toleranceS: number;
}

export interface FuzzCase {
  family: string;
  kind: string;
  creds: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export type Rng = () => number;

export function createRng(seed: number): Rng;
export function generateCase(family: string, rng: Rng, ctx: FuzzContext): FuzzCase;
export function kindsOf(family: string): Array<{ kind: string; creds: boolean }>;
export function hostileBody(rng: Rng): Buffer;
export function hostilePath(rng: Rng, path: string): string;
export function junkHeaders(rng: Rng, base?: Record<string, string>): Record<string, string>;
